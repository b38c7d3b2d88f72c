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

    public QuantizedActivationBatch(int capacity, int maxCount)
    {
        Stride = (capacity + 255) / 256 * 256;
        MaxCount = maxCount;
        _values = (sbyte*)NativeMemory.AlignedAlloc((nuint)((long)Stride * maxCount), 64);
        new Span<sbyte>(_values, Stride * maxCount).Clear();
        Scales = new float[maxCount];
        Sums = new int[maxCount];
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
    }
}
