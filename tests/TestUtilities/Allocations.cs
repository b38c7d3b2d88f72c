namespace BitNet.Tests;

/// <summary>
/// Measures bytes allocated by the current thread. <see cref="GC.GetAllocatedBytesForCurrentThread"/> can jump by a
/// few KB when another thread's collection retires this thread's allocation context, so a measurement is repeated
/// and the smallest taken: an allocation in the code under test shows in every repetition, the counter's noise does not.
/// </summary>
internal static class Allocations
{
    public static long Measure(Action action, int attempts = 3)
    {
        var least = long.MaxValue;
        for (var i = 0; i < attempts && least != 0; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
