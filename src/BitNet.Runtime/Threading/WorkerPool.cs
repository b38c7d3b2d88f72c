using System.Diagnostics;

namespace BitNet.Runtime.Threading;

/// <summary>
/// A fixed set of worker threads that run one <see cref="ParallelJob"/> at a time, split into contiguous ranges: the
/// calling thread takes the first range, each worker one of the others. Made for the forward pass, which runs
/// hundreds of short parallel steps per token: no tasks, no allocation, no locks on the hot path — workers spin
/// briefly on a generation counter and only then sleep.
/// </summary>
/// <remarks>One job at a time: <see cref="Run"/> is not re-entrant and must be called by one thread at a time.</remarks>
public sealed class WorkerPool : IDisposable
{
    // Spinning this long before sleeping keeps a worker awake between the ~200 parallel steps of one decoded token
    // (each a few to a few hundred microseconds apart) without burning a core while the engine is idle.
    private static readonly long s_spinTicks = Stopwatch.Frequency / 2000; // 0.5 ms

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;
    private volatile ParallelJob? _job;
    private int _items;
    private long _generation;
    private int _pending;
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
            var index = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"BitNet worker {index}" };
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

        _job = job;
        _items = items;
        job.Granularity = Math.Max(1, granularity);
        job.Parts = parts;
        Volatile.Write(ref _pending, parts - 1);
        var generation = Interlocked.Increment(ref _generation);
        for (var i = 0; i < parts - 1; i++)
            if (_wake[i].CurrentCount == 0) _wake[i].Release();

        ExecutePart(job, 0);

        var spinner = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spinner.SpinOnce(sleep1Threshold: -1);
        _job = null;
        _ = generation;
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

    private void ExecutePart(ParallelJob job, int part)
    {
        var (start, end) = job.Range(part, _items);
        if (start < end) job.Execute(start, end);
    }

    private void WorkerLoop(int index)
    {
        long seen = 0;
        while (true)
        {
            // Spin for new work, then sleep until woken.
            var spinUntil = Stopwatch.GetTimestamp() + s_spinTicks;
            long generation;
            while ((generation = Volatile.Read(ref _generation)) == seen && !_disposed)
            {
                if (Stopwatch.GetTimestamp() > spinUntil)
                {
                    _wake[index - 1].Wait();
                    spinUntil = Stopwatch.GetTimestamp() + s_spinTicks;
                }
                else
                {
                    Thread.SpinWait(20);
                }
            }
            if (_disposed) return;
            seen = generation;

            var job = _job;
            if (job is not null && index < job.Parts)
            {
                try
                {
                    ExecutePart(job, index);
                }
                catch (Exception e)
                {
                    job.Error = e;
                }
                Interlocked.Decrement(ref _pending);
            }
        }
    }
}
