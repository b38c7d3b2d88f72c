using BitNet.Runtime.Threading;

namespace BitNet.Runtime.Tests.Threading;

public sealed class WorkerPoolTests
{
    private sealed class CountingJob(int[] counts) : ParallelJob
    {
        public override void Execute(int start, int end)
        {
            for (var i = start; i < end; i++) Interlocked.Increment(ref counts[i]);
        }
    }

    private sealed class FailingJob : ParallelJob
    {
        public override void Execute(int start, int end)
        {
            if (start > 0) throw new InvalidOperationException("boom");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Run_ProcessesEveryItemExactlyOnce(int threads)
    {
        using var pool = new WorkerPool(threads);
        foreach (var items in new[] { 1, 2, 3, 7, 16, 17, 100, 1000, 6912 })
        foreach (var granularity in new[] { 1, 16 })
        {
            var counts = new int[items];
            var job = new CountingJob(counts);
            for (var repeat = 0; repeat < 20; repeat++) pool.Run(job, items, granularity);
            Assert.All(counts, c => Assert.Equal(20, c));
        }
    }

    [Fact]
    public void Run_AfterIdleSleep_StillWorks()
    {
        using var pool = new WorkerPool(2);
        var counts = new int[64];
        pool.Run(new CountingJob(counts), 64);
        Thread.Sleep(20); // longer than the spin window: workers go to sleep and must be woken
        pool.Run(new CountingJob(counts), 64);
        Assert.All(counts, c => Assert.Equal(2, c));
    }

    [Fact]
    public void Run_WorkerException_IsRethrownAndPoolRecovers()
    {
        using var pool = new WorkerPool(2);
        var error = Assert.Throws<AggregateException>(() => pool.Run(new FailingJob(), 100));
        Assert.IsType<InvalidOperationException>(error.InnerException);
        var counts = new int[10];
        pool.Run(new CountingJob(counts), 10);
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void DefaultThreadCount_IsAtLeastOne() => Assert.InRange(WorkerPool.DefaultThreadCount, 1, Environment.ProcessorCount);
}
