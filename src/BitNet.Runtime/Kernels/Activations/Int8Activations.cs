using System.Numerics.Tensors;

namespace BitNet.Runtime.Kernels.Activations;

/// <summary>
/// Per-token absmax int8 activation quantization as BitNet b1.58 was trained (HF <c>BitLinear</c>):
/// c = 127 / max(max|x|, 1e-5), q = clamp(round(x · c), -128, 127), with round half to even.
/// </summary>
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
    /// holds at least <paramref name="x"/>.Length floats.
    /// </summary>
    public static float QuantizeToBytes(ReadOnlySpan<float> x, Span<sbyte> quantized, Span<float> scratch, out int sum)
    {
        var max = x.IsEmpty ? 0f : MathF.Abs(TensorPrimitives.MaxMagnitude(x));
        var scale = 127f / MathF.Max(max, MinimumAbsMax);
        var scaled = scratch[..x.Length];
        TensorPrimitives.Multiply(x, scale, scaled);
        TensorPrimitives.Round(scaled, scaled); // MidpointRounding.ToEven, as torch.round
        // |x · c| ≤ 127 by construction, so the conversion never saturates; the sum of integers below 2^24 is exact in float.
        TensorPrimitives.ConvertSaturating(scaled, quantized[..x.Length]);
        sum = (int)TensorPrimitives.Sum(scaled);
        return scale;
    }
}
