using System.Runtime.CompilerServices;

namespace BitNet.Runtime.Kernels.Float16;

/// <summary>Scalar IEEE half → float conversion for block scales read inside hot loops.</summary>
/// <remarks>
/// <c>(float)Half</c> is a software routine with branches; block scales are converted once per 32 or 256 weights, so
/// the kernels use the same integer trick as <see cref="HalfDot"/>: magnitude bits moved into a float's exponent and
/// mantissa and multiplied by 2^112, the sign moved to bit 31. Exact for every finite half (scales are checked finite
/// at load).
/// </remarks>
internal static class HalfBits
{
    private const float TwoPow112 = 5.192296858534828E+33f;

    /// <summary>The float value of the finite half with bits <paramref name="bits"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits)
    {
        var magnitude = BitConverter.UInt32BitsToSingle((uint)(bits & 0x7FFF) << 13) * TwoPow112;
        return BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(magnitude) | (uint)(bits & 0x8000) << 16);
    }

    /// <summary>Whether the half with bits <paramref name="bits"/> is NaN or infinite (exponent all ones).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsNonFinite(ushort bits) => (bits & 0x7C00) == 0x7C00;
}
