using System.Runtime.InteropServices;

namespace BitNet.Runtime.Kernels.Activations;

/// <summary>
/// Several activation vectors (one per prompt token) quantized per token to int8, stored contiguously with a padded
/// stride so that the batched ternary kernels unpack each weight chunk once for all of them.
/// </summary>
internal sealed unsafe class QuantizedActivationBatch : IDisposable
{
    private sbyte* _values;
    // Vectors are quantized in parallel (one per prompt token), so each thread brings its own scratch row.
    [ThreadStatic] private static float[]? t_scratch;

    private short* _tables;
    private readonly int[] _tableColumns;

    /// <param name="capacity">The longest vector.</param>
    /// <param name="maxCount">The most vectors.</param>
    /// <param name="lookupTables">
    /// Whether <see cref="Quantize"/> also builds each vector's lookup tables (<see cref="Ternary.LookupTables"/>), so
    /// that every lookup-layout product reading the batch (q, k and v; gate and up) shares them, and so that they are
    /// built in parallel, by the threads that quantize.
    /// </param>
    public QuantizedActivationBatch(int capacity, int maxCount, bool lookupTables = false)
    {
        Stride = (capacity + 255) / 256 * 256;
        MaxCount = maxCount;
        _values = (sbyte*)NativeMemory.AlignedAlloc((nuint)((long)Stride * maxCount), 64);
        new Span<sbyte>(_values, Stride * maxCount).Clear();
        Scales = new float[maxCount];
        Sums = new int[maxCount];
        _tableColumns = new int[maxCount];
        if (lookupTables)
        {
            TableStride = Weights.LookupTernaryCodes.GroupsFor(capacity) * 32;
            _tables = (short*)NativeMemory.AlignedAlloc((nuint)((long)TableStride * maxCount * sizeof(short)), 64);
        }
    }

    /// <summary>Shorts from one vector's lookup tables to the next (0 without tables).</summary>
    public int TableStride { get; }

    /// <summary>The lookup tables, vector n's at n · <see cref="TableStride"/>; null unless the batch was built with them.</summary>
    public short* Tables => _tables;

    /// <summary>Whether vectors [0, <paramref name="count"/>) have tables, built for <paramref name="columns"/> activations.</summary>
    public bool HasTables(int count, int columns)
    {
        if (_tables == null) return false;
        for (var n = 0; n < count; n++)
            if (_tableColumns[n] != columns) return false;
        return true;
    }

    ~QuantizedActivationBatch() => Free();

    /// <summary>Bytes from one vector to the next (a multiple of 256).</summary>
    public int Stride { get; }

    public int MaxCount { get; }

    /// <summary>Per-vector scales c (x ≈ q / c).</summary>
    public float[] Scales { get; }

    /// <summary>Per-vector Σq.</summary>
    public int[] Sums { get; }

    public sbyte* Pointer => _values != null ? _values : throw new ObjectDisposedException(nameof(QuantizedActivationBatch));

    /// <summary>Quantizes vector <paramref name="index"/>; the rest of its stride is zeroed. Thread-safe for distinct indices.</summary>
    public void Quantize(int index, ReadOnlySpan<float> x)
    {
        var slot = new Span<sbyte>(Pointer + (long)index * Stride, Stride);
        slot[x.Length..].Clear();
        var scratch = t_scratch is { } s && s.Length >= x.Length ? s : t_scratch = new float[Stride];
        Scales[index] = Int8Activations.QuantizeToBytes(x, slot, scratch, out var sum);
        Sums[index] = sum;
        if (_tables != null)
        {
            var values = Pointer + (long)index * Stride;
            Ternary.LookupTables.Build(values, x.Length, Weights.LookupTernaryCodes.GroupsFor(x.Length), _tables + (long)index * TableStride);
            _tableColumns[index] = x.Length;
        }
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        var p = _values;
        _values = null;
        if (p != null) NativeMemory.AlignedFree(p);
        NativeMemory.AlignedFree(_tables);
        _tables = null;
    }
}
