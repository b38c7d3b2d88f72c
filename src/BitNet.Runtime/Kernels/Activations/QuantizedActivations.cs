using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace BitNet.Runtime.Kernels.Activations;

/// <summary>
/// One activation vector quantized to int8 for the ternary kernels: the values (padded with zeros to whole 256-element
/// chunks, 64-byte aligned), the scale c (x ≈ q / c), and Σq, which the kernels need to turn code sums into signed sums.
/// </summary>
/// <remarks>Reused for every BitLinear input of a sequence; holds native memory, so dispose it.</remarks>
public sealed unsafe class QuantizedActivations : IDisposable
{
    private sbyte* _values;
    private readonly float[] _scratch;

    /// <summary>Allocates room for up to <paramref name="capacity"/> activations.</summary>
    public QuantizedActivations(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = (capacity + 255) / 256 * 256;
        _values = (sbyte*)NativeMemory.AlignedAlloc((nuint)Capacity, 64);
        new Span<sbyte>(_values, Capacity).Clear();
        _scratch = new float[Capacity];
    }

    /// <summary>Releases the native buffer if <see cref="Dispose"/> was not called.</summary>
    ~QuantizedActivations() => Free();

    /// <summary>Activations the buffer can hold (a multiple of 256).</summary>
    public int Capacity { get; }

    /// <summary>Activations currently held.</summary>
    public int Length { get; private set; }

    /// <summary>The quantization scale c: q = round(x · c).</summary>
    public float Scale { get; private set; }

    /// <summary>Σ q over the held activations.</summary>
    public int Sum { get; private set; }

    /// <summary>The quantized values, padded with zeros up to the next 256.</summary>
    public sbyte* Pointer => _values != null ? _values : throw new ObjectDisposedException(nameof(QuantizedActivations));

    /// <summary>The held values.</summary>
    public ReadOnlySpan<sbyte> Values => new(Pointer, Length);

    /// <summary>
    /// Per-token absmax quantization (the semantics of <see cref="Int8Activations.Quantize"/>):
    /// c = 127 / max(max|x|, 1e-5), q = round-half-even(x · c).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Quantize(ReadOnlySpan<float> x)
    {
        if (x.Length > Capacity) throw new ArgumentException($"{x.Length} activations exceed the capacity {Capacity}.", nameof(x));
        var max = x.IsEmpty ? 0f : TensorPrimitives.MaxMagnitude(x);
        var scale = 127f / MathF.Max(MathF.Abs(max), Int8Activations.MinimumAbsMax);
        var scaled = _scratch.AsSpan(0, x.Length);
        TensorPrimitives.Multiply(x, scale, scaled);
        TensorPrimitives.Round(scaled, scaled); // MidpointRounding.ToEven, as torch.round
        // |x · c| ≤ 127 by construction, so the conversion never saturates; the sum of integers below 2^24 is exact in float.
        var values = new Span<sbyte>(Pointer, Capacity);
        TensorPrimitives.ConvertSaturating(scaled, values[..x.Length]);
        if (x.Length < Length) values[x.Length..Length].Clear();
        Sum = (int)TensorPrimitives.Sum(scaled);
        Scale = scale;
        Length = x.Length;
    }

    /// <summary>Frees the native buffer.</summary>
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
