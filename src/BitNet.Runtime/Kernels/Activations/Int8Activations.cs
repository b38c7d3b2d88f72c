using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Runtime.Kernels.Activations;

/// <summary>
/// The int8 activation quantizers, stated as plain loops: the references the vectorized
/// <see cref="QuantizedActivations"/> must match exactly.
/// </summary>
/// <remarks>
/// <see cref="Quantize"/> is per-token absmax int8 as BitNet b1.58 was trained (HF <c>BitLinear</c>):
/// c = 127 / max(max|x|, 1e-5), q = clamp(round(x · c), -128, 127), with round half to even.
/// <see cref="QuantizeBlocks"/> is ggml's Q8_K (per 256-element block), the activation format of its TQ1_0/TQ2_0
/// products.
/// </remarks>
public static class Int8Activations
{
    /// <summary>The clamp on max|x| that keeps the scale finite for an all-zero input.</summary>
    public const float MinimumAbsMax = 1e-5f;

    /// <summary>
    /// Quantizes <paramref name="x"/> into integer-valued floats (exactly representable, so ternary dot products over
    /// them are exact integer sums) and returns the scale c; the dequantized value is q / c.
    /// </summary>
    public static float Quantize(ReadOnlySpan<float> x, Span<float> quantized)
    {
        if (quantized.Length != x.Length) throw new ArgumentException("The output must be as long as the input.", nameof(quantized));
        var max = 0f;
        foreach (var v in x) max = MathF.Max(max, MathF.Abs(v));
        var scale = 127f / MathF.Max(max, MinimumAbsMax);
        for (var i = 0; i < x.Length; i++)
            quantized[i] = Math.Clamp(MathF.Round(x[i] * scale, MidpointRounding.ToEven), -128f, 127f);
        return scale;
    }

    /// <summary>
    /// The vectorized form of <see cref="Quantize"/>, writing int8 values: returns c and Σq. <paramref name="scratch"/>
    /// holds at least <paramref name="x"/>.Length floats (used only where there is no x86 vector path).
    /// </summary>
    public static unsafe float QuantizeToBytes(ReadOnlySpan<float> x, Span<sbyte> quantized, Span<float> scratch, out int sum)
    {
        var max = x.IsEmpty ? 0f : MathF.Abs(TensorPrimitives.MaxMagnitude(x));
        var scale = 127f / MathF.Max(max, MinimumAbsMax);
        var values = quantized[..x.Length];
        if (Avx2.IsSupported && float.IsFinite(scale))
        {
            // One fused pass (scale, round, narrow, sum) instead of four over a scratch buffer: this runs on one thread
            // between the parallel products, four times per layer, and the four passes cost more than the GEMV hand-offs.
            fixed (float* source = x)
            fixed (sbyte* destination = values)
                sum = ScaleRoundNarrow(source, x.Length, scale, destination, Avx512F.IsSupported ? KernelPath.Avx512 : KernelPath.Avx2);
            return scale;
        }
        var scaled = scratch[..x.Length];
        TensorPrimitives.Multiply(x, scale, scaled);
        TensorPrimitives.Round(scaled, scaled); // MidpointRounding.ToEven, as torch.round
        // |x · c| ≤ 127 by construction, so the conversion never saturates; the sum of integers below 2^24 is exact in float.
        TensorPrimitives.ConvertSaturating(scaled, values);
        sum = (int)TensorPrimitives.Sum(scaled);
        return scale;
    }

    /// <summary>
    /// q = round-half-even(x · c) as int8 and Σq, exactly as the portable path computes them: the product is the same
    /// single rounding, <c>vcvtps2dq</c> rounds half to even (the default MXCSR mode .NET runs in) and |q| ≤ 127, so
    /// the narrowing never saturates and the integer sum is exact. <paramref name="path"/>: Avx512, Avx2 (each only if
    /// supported) or anything else for the scalar loop (tests compare them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe int ScaleRoundNarrow(float* x, int length, float scale, sbyte* q, KernelPath path)
    {
        var i = 0;
        var total = 0;
        if (path == KernelPath.Avx512 && Avx512F.IsSupported)
        {
            var c = Vector512.Create(scale);
            var acc = Vector512<int>.Zero;
            for (; i + 16 <= length; i += 16)
            {
                var k = Avx512F.ConvertToVector512Int32(Vector512.Load(x + i) * c);
                acc += k;
                Avx512F.ConvertToVector128SByteWithSaturation(k).Store(q + i);
            }
            total = Vector512.Sum(acc);
        }
        else if (path == KernelPath.Avx2 && Avx2.IsSupported)
        {
            var c = Vector256.Create(scale);
            var acc = Vector256<int>.Zero;
            // vpackssdw / vpacksswb interleave the 128-bit lanes; this permutation puts the 32 bytes back in order.
            var order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
            for (; i + 32 <= length; i += 32)
            {
                var k0 = Avx.ConvertToVector256Int32(Vector256.Load(x + i) * c);
                var k1 = Avx.ConvertToVector256Int32(Vector256.Load(x + i + 8) * c);
                var k2 = Avx.ConvertToVector256Int32(Vector256.Load(x + i + 16) * c);
                var k3 = Avx.ConvertToVector256Int32(Vector256.Load(x + i + 24) * c);
                acc += (k0 + k1) + (k2 + k3);
                var bytes = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(k0, k1), Avx2.PackSignedSaturate(k2, k3));
                Avx2.PermuteVar8x32(bytes.AsInt32(), order).AsSByte().Store(q + i);
            }
            total = Vector256.Sum(acc);
        }
        for (; i < length; i++)
        {
            var v = (int)MathF.Round(x[i] * scale, MidpointRounding.ToEven);
            q[i] = (sbyte)v;
            total += v;
        }
        return total;
    }

    /// <summary>Elements per block of <see cref="QuantizeBlocks"/> (ggml's QK_K).</summary>
    public const int BlockElements = 256;

    /// <summary>
    /// ggml's Q8_K quantization (<c>quantize_row_q8_K_ref</c>), one 256-element block at a time (a last, shorter block
    /// when the length is not a multiple of 256): <c>max</c> is the block's element of largest magnitude with its sign
    /// (the first one when several tie), iscale = −127 / max, q = min(127, nearest_int(iscale · x)), and the block's
    /// step is d = 1 / iscale, so that x ≈ d · q. ggml's nearest_int adds 1.5 · 2²³ in float, which rounds half to
    /// even for every |v| &lt; 2²², as <see cref="MidpointRounding.ToEven"/> does. An all-zero block gives d = 0 and q = 0.
    /// </summary>
    /// <param name="x">The activations.</param>
    /// <param name="quantized">Receives q as integer-valued floats, one per activation.</param>
    /// <param name="steps">Receives d, one per block: ⌈<paramref name="x"/>.Length / 256⌉ of them.</param>
    public static void QuantizeBlocks(ReadOnlySpan<float> x, Span<float> quantized, Span<float> steps)
    {
        if (quantized.Length != x.Length) throw new ArgumentException("The output must be as long as the input.", nameof(quantized));
        var blocks = (x.Length + BlockElements - 1) / BlockElements;
        if (steps.Length != blocks) throw new ArgumentException($"{x.Length} activations make {blocks} blocks.", nameof(steps));
        for (var b = 0; b < blocks; b++)
        {
            var start = b * BlockElements;
            var end = Math.Min(start + BlockElements, x.Length);
            float max = 0, amax = 0;
            for (var i = start; i < end; i++)
            {
                var a = MathF.Abs(x[i]);
                if (a > amax)
                {
                    amax = a;
                    max = x[i];
                }
            }
            if (amax == 0)
            {
                quantized[start..end].Clear();
                steps[b] = 0;
                continue;
            }
            var iscale = -127f / max;
            for (var i = start; i < end; i++)
                quantized[i] = MathF.Min(127f, MathF.Round(iscale * x[i], MidpointRounding.ToEven));
            steps[b] = 1f / iscale;
        }
    }
}
