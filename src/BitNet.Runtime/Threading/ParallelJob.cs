namespace BitNet.Runtime.Threading;

/// <summary>
/// A unit of parallel work for <see cref="WorkerPool"/>: a reusable object (allocated once, with its inputs set before
/// each run) that processes a contiguous range of items.
/// </summary>
public abstract class ParallelJob
{
    internal int Parts { get; set; }

    internal int Granularity { get; set; } = 1;

    internal Exception? Error { get; set; }

    /// <summary>Processes items [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public abstract void Execute(int start, int end);

    /// <summary>The range of part <paramref name="part"/>: equal shares, rounded to the granularity.</summary>
    internal (int Start, int End) Range(int part, int items)
    {
        var units = (items + Granularity - 1) / Granularity;
        var start = (int)((long)units * part / Parts) * Granularity;
        var end = (int)((long)units * (part + 1) / Parts) * Granularity;
        return (Math.Min(start, items), Math.Min(end, items));
    }
}
