namespace BitNet.Runtime.Kernels.Attention;

/// <summary>
/// Rounding a float to an 8-bit float (sign, <c>e</c> exponent bits, <c>m</c> mantissa bits, bias): round to nearest
/// even, values at or beyond the largest finite code saturate to it (never infinity), NaN becomes the format's NaN.
/// </summary>
internal static class MiniFloat
{
    public static byte Encode(float value, int mantissaBits, int bias, byte maxCode, float maxValue)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var sign = (byte)(bits >> 24 & 0x80);
        if (float.IsNaN(value)) return (byte)(sign | 0x7F); // S.1111.111 is NaN in E4M3 and in E5M2
        var magnitude = MathF.Abs(value);
        if (magnitude >= maxValue) return (byte)(sign | maxCode);

        // Below the smallest normal the step is fixed: 2^(1 - bias - m). Scaling by a power of two is exact, and
        // MathF.Round rounds half to even. A result of 2^m is the smallest normal's code, as it should be.
        if (magnitude < MathF.ScaleB(1f, 1 - bias))
            return (byte)(sign | (int)MathF.Round(MathF.ScaleB(magnitude, bias - 1 + mantissaBits)));

        // Normal: round the float's mantissa to m bits (nearest even), then rebias the exponent.
        var shift = 23 - mantissaBits;
        var magnitudeBits = bits & 0x7FFFFFFFu;
        var rounded = (magnitudeBits + (1u << (shift - 1)) - 1 + (magnitudeBits >> shift & 1)) >> shift;
        var exponent = (int)(rounded >> mantissaBits) - 127 + bias;
        var code = exponent << mantissaBits | (int)(rounded & ((1u << mantissaBits) - 1));
        return (byte)(sign | Math.Min(code, maxCode));
    }

    /// <summary>The reference decoder: (−1)^s · 2^(e − bias) · (1 + f / 2^m), or 2^(1 − bias) · f / 2^m for e = 0.</summary>
    public static float Decode(byte code, int mantissaBits, int bias)
    {
        var exponent = (code & 0x7F) >> mantissaBits;
        var fraction = code & ((1 << mantissaBits) - 1);
        var magnitude = exponent == 0
            ? MathF.ScaleB(fraction, 1 - bias - mantissaBits)
            : MathF.ScaleB((1 << mantissaBits) + fraction, exponent - bias - mantissaBits);
        return (code & 0x80) != 0 ? -magnitude : magnitude;
    }
}
