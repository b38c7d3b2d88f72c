using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BitNet.Runtime.Kernels.Attention;

/// <summary>
/// Widens small floats (F16, FP8) whose exponent and mantissa bits have been shifted under a float's, without ever
/// forming a float subnormal: re-biasing by an integer add is exact for normal codes, and a subnormal code is built as
/// 2^(1−bias)·(1.m) − 2^(1−bias), which is exact too (Sterbenz). Why: the multiply-by-2^k widening passes through float
/// subnormals for the format's subnormals, which microcode assists make ~10× slower — and FP8 E4M3's subnormals
/// (|x| &lt; 2^−6) are common among keys and values.
/// </summary>
internal static class SmallFloatWidening
{
    /// <param name="magnitude">The code without its sign, shifted so that its exponent field ends at bit 23.</param>
    /// <param name="exponentMask">The code's exponent field in that position.</param>
    /// <param name="bias">The format's exponent bias.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Widen(Vector512<uint> magnitude, uint exponentMask, int bias)
    {
        var subnormal = Vector512.Equals(magnitude & Vector512.Create(exponentMask), Vector512<uint>.Zero);
        var rebiased = magnitude + Vector512.Create((uint)(127 - bias) << 23) + (subnormal & Vector512.Create(1u << 23));
        return rebiased.AsSingle() - (subnormal.AsSingle() & Vector512.Create(MathF.ScaleB(1f, 1 - bias)));
    }

    /// <inheritdoc cref="Widen(Vector512{uint}, uint, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Widen(Vector256<uint> magnitude, uint exponentMask, int bias)
    {
        var subnormal = Vector256.Equals(magnitude & Vector256.Create(exponentMask), Vector256<uint>.Zero);
        var rebiased = magnitude + Vector256.Create((uint)(127 - bias) << 23) + (subnormal & Vector256.Create(1u << 23));
        return rebiased.AsSingle() - (subnormal.AsSingle() & Vector256.Create(MathF.ScaleB(1f, 1 - bias)));
    }
}
