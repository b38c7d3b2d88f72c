using System.Diagnostics;

namespace BitNet.Runtime.Threading;

/// <summary>
/// A fixed set of worker threads that run one <see cref="ParallelJob"/> at a time, split into contiguous ranges. Made
/// for the forward pass, which runs hundreds of short parallel steps per token: no tasks, no allocation, no locks on
/// the hot path — workers spin briefly on a shared word and only then sleep.
/// </summary>
/// <remarks>
/// <para>Ranges are claimed, not assigned: the caller and the workers take the next unclaimed range until none is
/// left. A worker that the OS has descheduled therefore never holds a step up — the caller simply does its share —
/// which keeps a busy or oversubscribed machine from turning each of a token's ~200 steps into a scheduler quantum.</para>
/// <para>One job at a time: <see cref="Run"/> is not re-entrant and must be called by one thread at a time.</para>
/// </remarks>
public sealed class WorkerPool : IDisposable
{
    // Spinning this long before sleeping keeps a worker awake between the steps of one decoded token (a few to a few
    // hundred microseconds apart) without burning a core while the engine is idle.
    private static readonly long s_spinTicks = Stopwatch.Frequency / 2000; // 0.5 ms

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;
    private volatile ParallelJob? _job;
    private int _items;
    private uint _generation;
    // The claim word: generation (bits 32-63) | part count (16-31) | next unclaimed part (0-15). A claim is one
    // compare-and-swap that also proves the job it belongs to is still the current one.
    private long _claim;
    private int _completed;
    private volatile bool _disposed;

    /// <summary>Creates a pool of <paramref name="threads"/> threads in all (the caller counts as one).</summary>
    public WorkerPool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threads, 1024);
        Threads = threads;
        _threads = new Thread[threads - 1];
        _wake = new SemaphoreSlim[threads - 1];
        for (var i = 0; i < _threads.Length; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            var index = i;
            _threads[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"BitNet worker {index + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>Threads that run a job, the caller included.</summary>
    public int Threads { get; }

    /// <summary>The default thread count: the machine's physical cores (hyper-threads share a core's vector units).</summary>
    public static int DefaultThreadCount => CpuTopology.PhysicalCores;

    /// <summary>
    /// Runs <paramref name="job"/> over items [0, <paramref name="items"/>), split into one contiguous range per thread
    /// (ranges rounded to <paramref name="granularity"/> items), on at most <paramref name="maxParts"/> threads;
    /// returns when every range is done.
    /// </summary>
    public void Run(ParallelJob job, int items, int granularity = 1, int maxParts = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(job);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (items <= 0) return;
        var parts = Math.Min(Math.Min(Threads, maxParts), Math.Max(1, items / Math.Max(1, granularity)));
        if (parts == 1)
        {
            job.Execute(0, items);
            return;
        }

        job.Granularity = Math.Max(1, granularity);
        job.Parts = parts;
        _job = job;
        _items = items;
        Volatile.Write(ref _completed, 0);
        var generation = ++_generation;
        Volatile.Write(ref _claim, (long)generation << 32 | (long)parts << 16);
        for (var i = 0; i < Math.Min(parts - 1, _wake.Length); i++)
            if (_wake[i].CurrentCount == 0) _wake[i].Release();

        ClaimAndExecute();

        var spinner = new SpinWait();
        while (Volatile.Read(ref _completed) != parts) spinner.SpinOnce(sleep1Threshold: -1);
        _job = null;
        if (job.Error is { } error)
        {
            job.Error = null;
            throw new AggregateException("A worker failed while running a parallel step.", error);
        }
    }

    /// <summary>Stops the workers.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var wake in _wake) wake.Release();
        foreach (var thread in _threads) thread.Join();
        foreach (var wake in _wake) wake.Dispose();
    }

    /// <summary>Takes and runs unclaimed parts of the current job until none is left.</summary>
    private void ClaimAndExecute()
    {
        while (true)
        {
            var word = Volatile.Read(ref _claim);
            int parts = (int)(word >> 16) & 0xFFFF, next = (int)word & 0xFFFF;
            if (next >= parts) return;
            // Read the job after the word and before the claim: if the claim succeeds, the word's job had an unclaimed
            // part throughout, so it was not done and no later job can have replaced it in between.
            var job = _job;
            if (job is null || Interlocked.CompareExchange(ref _claim, word + 1, word) != word) continue;
            try
            {
                var (start, end) = job.Range(next, _items);
                if (start < end) job.Execute(start, end);
            }
            catch (Exception e)
            {
                job.Error = e;
            }
            Interlocked.Increment(ref _completed);
        }
    }

    private void WorkerLoop(int index)
    {
        uint seen = 0;
        while (true)
        {
            // Spin for new work, then sleep until woken.
            var spinUntil = Stopwatch.GetTimestamp() + s_spinTicks;
            long word;
            while ((uint)((word = Volatile.Read(ref _claim)) >> 32) == seen && !_disposed)
            {
                if (Stopwatch.GetTimestamp() > spinUntil)
                {
                    _wake[index].Wait();
                    spinUntil = Stopwatch.GetTimestamp() + s_spinTicks;
                }
                else
                {
                    Thread.SpinWait(20);
                }
            }
            if (_disposed) return;
            seen = (uint)(word >> 32);
            ClaimAndExecute();
        }
    }
}
