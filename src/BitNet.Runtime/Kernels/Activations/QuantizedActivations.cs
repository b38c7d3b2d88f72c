using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace BitNet.Runtime.Kernels.Activations;

/// <summary>
/// One activation vector quantized to int8 for the ternary kernels: the values (padded with zeros to whole 256-element
/// chunks, 64-byte aligned), and either one scale c for the whole vector (x ≈ q / c) and Σq
/// (<see cref="Quantize"/>), or a step d and a Σq per 256-element block (x ≈ d · q; <see cref="QuantizeBlocks"/>).
/// The kernels need Σq to turn code sums into signed sums.
/// </summary>
/// <remarks>Reused for every BitLinear input of a sequence; holds native memory, so dispose it.</remarks>
public sealed unsafe class QuantizedActivations : IDisposable
{
    private sbyte* _values;
    private readonly float[] _scratch;
    private readonly float[] _blockSteps;
    private readonly int[] _blockSums;

    /// <summary>Allocates room for up to <paramref name="capacity"/> activations.</summary>
    public QuantizedActivations(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = (capacity + 255) / 256 * 256;
        _values = (sbyte*)NativeMemory.AlignedAlloc((nuint)Capacity, 64);
        new Span<sbyte>(_values, Capacity).Clear();
        _scratch = new float[Capacity];
        _blockSteps = new float[Capacity / BlockElements];
        _blockSums = new int[Capacity / BlockElements];
    }

    /// <summary>Elements per block of <see cref="QuantizeBlocks"/> (one kernel chunk).</summary>
    public const int BlockElements = Int8Activations.BlockElements;

    /// <summary>Releases the native buffer if <see cref="Dispose"/> was not called.</summary>
    ~QuantizedActivations() => Free();

    /// <summary>Activations the buffer can hold (a multiple of 256).</summary>
    public int Capacity { get; }

    /// <summary>Activations currently held.</summary>
    public int Length { get; private set; }

    /// <summary>
    /// Whether the last quantization was per block (<see cref="QuantizeBlocks"/>: read <see cref="BlockSteps"/> and
    /// <see cref="BlockSums"/>) rather than per vector (<see cref="Quantize"/>: read <see cref="Scale"/> and <see cref="Sum"/>).
    /// </summary>
    public bool IsPerBlock { get; private set; }

    /// <summary>The quantization scale c: q = round(x · c). NaN after <see cref="QuantizeBlocks"/>.</summary>
    public float Scale { get; private set; }

    /// <summary>Σ q over the held activations.</summary>
    public int Sum { get; private set; }

    /// <summary>Blocks held: ⌈<see cref="Length"/> / 256⌉.</summary>
    public int BlockCount => (Length + BlockElements - 1) / BlockElements;

    /// <summary>After <see cref="QuantizeBlocks"/>: each block's step d (x ≈ d · q; ggml's <c>block_q8_K.d</c>, signed).</summary>
    public ReadOnlySpan<float> BlockSteps => _blockSteps.AsSpan(0, IsPerBlock ? BlockCount : 0);

    /// <summary>After <see cref="QuantizeBlocks"/>: each block's Σ q.</summary>
    public ReadOnlySpan<int> BlockSums => _blockSums.AsSpan(0, IsPerBlock ? BlockCount : 0);

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
        var values = new Span<sbyte>(Pointer, Capacity);
        Scale = Int8Activations.QuantizeToBytes(x, values, _scratch, out var sum);
        if (x.Length < Length) values[x.Length..Length].Clear();
        Sum = sum;
        Length = x.Length;
        IsPerBlock = false;
    }

    /// <summary>
    /// Per-block quantization, ggml's Q8_K (the semantics of <see cref="Int8Activations.QuantizeBlocks"/>): per 256
    /// elements, iscale = −127 / max with max the signed element of largest magnitude, q = min(127,
    /// round-half-even(x · iscale)), d = 1 / iscale; an all-zero block gets d = 0.
    /// </summary>
    public void QuantizeBlocks(ReadOnlySpan<float> x)
    {
        if (x.Length > Capacity) throw new ArgumentException($"{x.Length} activations exceed the capacity {Capacity}.", nameof(x));
        var values = new Span<sbyte>(Pointer, Capacity);
        var total = 0;
        for (int b = 0, start = 0; start < x.Length; b++, start += BlockElements)
        {
            var block = x.Slice(start, Math.Min(BlockElements, x.Length - start));
            var scaled = _scratch.AsSpan(start, block.Length);
            var max = TensorPrimitives.MaxMagnitude(block);
            var amax = MathF.Abs(max);
            if (amax == 0)
            {
                // All zero: ggml stores d = 0 and q = 0. (A NaN input falls through and makes d NaN, so it shows.)
                values.Slice(start, block.Length).Clear();
                _blockSteps[b] = 0;
                _blockSums[b] = 0;
                continue;
            }
            // ggml keeps the sign of the FIRST element of largest magnitude; MaxMagnitude prefers +m over −m on a tie.
            // The choice flips the signs of q and d together, which changes neither d · q nor any product below, but
            // matching it keeps the stored values identical to ggml's.
            if (max > 0 && TensorPrimitives.Min(block) == -max && block.IndexOf(-max) < block.IndexOf(max)) max = -max;
            var iscale = -127f / max;
            TensorPrimitives.Multiply(block, iscale, scaled);
            TensorPrimitives.Round(scaled, scaled); // round half to even, as ggml's nearest_int
            TensorPrimitives.Min(scaled, 127f, scaled);
            // |q| ≤ 127, so the conversion never saturates; a block's Σq (|Σ| ≤ 256 · 127) is exact in float.
            TensorPrimitives.ConvertSaturating(scaled, values.Slice(start, block.Length));
            var sum = (int)TensorPrimitives.Sum(scaled);
            _blockSteps[b] = 1f / iscale;
            _blockSums[b] = sum;
            total += sum;
        }
        if (x.Length < Length) values[x.Length..Length].Clear();
        Sum = total;
        Scale = float.NaN;
        Length = x.Length;
        IsPerBlock = true;
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
