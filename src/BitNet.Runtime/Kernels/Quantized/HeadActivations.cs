using System.Runtime.InteropServices;

namespace BitNet.Runtime.Kernels.Quantized;

/// <summary>
/// The LM head's input (the final-norm output) quantized to int8 once per token, in the block format the head's weight
/// type is multiplied with: ggml's Q8_0 (a step per 32 values) for Q8_0 weights, ggml's Q8_K (a step per 256 values and
/// a sum per 16) for Q6_K weights. The values are exactly what ggml's reference quantizers produce.
/// </summary>
/// <remarks>Reused for every token of a sequence (it belongs to the sequence's head job); holds native memory.</remarks>
internal sealed unsafe class HeadActivations : IDisposable
{
    /// <summary>Values per Q8_0 block.</summary>
    public const int Q8_0BlockElements = 32;

    /// <summary>Values per Q8_K block.</summary>
    public const int Q8_KBlockElements = 256;

    /// <summary>Values per Q8_K partial sum (one Q6_K sub-block scale).</summary>
    public const int Q8_KGroupElements = 16;

    private void* _memory;

    /// <summary>Allocates room for <paramref name="capacity"/> values (rounded up to whole 256-blocks).</summary>
    public HeadActivations(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = (capacity + Q8_KBlockElements - 1) / Q8_KBlockElements * Q8_KBlockElements;
        // One 64-byte-aligned block: the int8 values, then a float step per 32 values (the finer of the two formats),
        // then a short sum per 16 values.
        var bytes = Capacity + Capacity / Q8_0BlockElements * sizeof(float) + Capacity / Q8_KGroupElements * sizeof(short);
        _memory = NativeMemory.AlignedAlloc((nuint)bytes, 64);
        new Span<byte>(_memory, bytes).Clear();
        Quants = (sbyte*)_memory;
        Steps = (float*)(Quants + Capacity);
        GroupSums = (short*)(Steps + Capacity / Q8_0BlockElements);
    }

    /// <summary>Frees the buffer if <see cref="Dispose"/> was not called.</summary>
    ~HeadActivations() => Free();

    /// <summary>Values the buffer can hold.</summary>
    public int Capacity { get; }

    /// <summary>Values currently held.</summary>
    public int Length { get; private set; }

    /// <summary>The int8 values q (64-byte aligned).</summary>
    public sbyte* Quants { get; }

    /// <summary>Each block's step d: x ≈ d · q (per 32 after <see cref="QuantizeQ8_0"/>, per 256 after <see cref="QuantizeQ8_K"/>).</summary>
    public float* Steps { get; }

    /// <summary>After <see cref="QuantizeQ8_K"/>: Σq of each group of 16 values (ggml's <c>bsums</c>).</summary>
    public short* GroupSums { get; }

    /// <summary>
    /// ggml's <c>quantize_row_q8_0_ref</c>: per 32 values d = max|x| / 127, q = roundf(x / d) (half away from zero);
    /// the step is stored as F16 like <c>block_q8_0.d</c>, and the kernels use that rounded value.
    /// </summary>
    public void QuantizeQ8_0(ReadOnlySpan<float> x)
    {
        Check(x.Length, Q8_0BlockElements);
        for (var b = 0; b < x.Length / Q8_0BlockElements; b++)
        {
            var block = x.Slice(b * Q8_0BlockElements, Q8_0BlockElements);
            var amax = 0f;
            foreach (var v in block) amax = MathF.Max(amax, MathF.Abs(v));
            var d = amax / 127f;
            var id = d != 0 ? 1f / d : 0f;
            Steps[b] = (float)(Half)d;
            var q = Quants + b * Q8_0BlockElements;
            for (var j = 0; j < Q8_0BlockElements; j++) q[j] = (sbyte)MathF.Round(block[j] * id, MidpointRounding.AwayFromZero);
        }
        Length = x.Length;
    }

    /// <summary>
    /// ggml's <c>quantize_row_q8_K_ref</c>: per 256 values, with m the value of largest magnitude (its sign kept),
    /// q = min(127, round-half-even(−127/m · x)) and d = m / −127 (so d may be negative); an all-zero block gets d = 0.
    /// Also the sums of each 16 values.
    /// </summary>
    public void QuantizeQ8_K(ReadOnlySpan<float> x)
    {
        Check(x.Length, Q8_KBlockElements);
        for (var b = 0; b < x.Length / Q8_KBlockElements; b++)
        {
            var block = x.Slice(b * Q8_KBlockElements, Q8_KBlockElements);
            var q = Quants + b * Q8_KBlockElements;
            float max = 0, amax = 0;
            foreach (var v in block)
            {
                var a = MathF.Abs(v);
                if (a > amax) { amax = a; max = v; }
            }
            if (amax == 0)
            {
                Steps[b] = 0;
                new Span<sbyte>(q, Q8_KBlockElements).Clear();
            }
            else
            {
                var iscale = -127f / max;
                for (var j = 0; j < Q8_KBlockElements; j++) q[j] = (sbyte)Math.Min(127, (int)MathF.Round(iscale * block[j], MidpointRounding.ToEven));
                Steps[b] = 1f / iscale;
            }
            for (var g = 0; g < Q8_KBlockElements / Q8_KGroupElements; g++)
            {
                var sum = 0;
                for (var j = 0; j < Q8_KGroupElements; j++) sum += q[g * Q8_KGroupElements + j];
                GroupSums[b * (Q8_KBlockElements / Q8_KGroupElements) + g] = (short)sum;
            }
        }
        Length = x.Length;
    }

    /// <summary>Frees the buffer.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Check(int length, int block)
    {
        ObjectDisposedException.ThrowIf(_memory == null, this);
        if (length % block != 0 || length > Capacity)
            throw new ArgumentException($"Expected a multiple of {block} values, at most {Capacity}; got {length}.");
    }

    private void Free()
    {
        var p = _memory;
        _memory = null;
        if (p != null) NativeMemory.AlignedFree(p);
    }
}
