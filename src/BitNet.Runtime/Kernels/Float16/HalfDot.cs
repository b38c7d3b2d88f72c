using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Runtime.Kernels.Float16;

/// <summary>
/// Dot products of IEEE half-precision weight rows with float activations — the tied LM head, the largest single
/// read per token (128256 × 2560 halves on 2B4T).
/// </summary>
/// <remarks>
/// .NET has no F16C conversion intrinsic, so the vector paths widen halves with integer operations: the magnitude bits
/// shifted into a float's exponent/mantissa and multiplied by 2^112 (which also renormalizes half subnormals exactly),
/// the sign moved to bit 31. Exact for every finite half; weights are checked finite at load. (A four-operation
/// widening by sign extension was tried — shift the sign-extended half left by 13, mask bits 28–30, multiply — and
/// measured ~7 ms per token slower on the 2B4T head with two threads, docs/benchmarks.md, so the head keeps this one.)
/// </remarks>
internal static unsafe class HalfDot
{
    // 2^112 = 2^(127 - 15): moves a half's exponent bias to a float's.
    private const float TwoPow112 = 5.192296858534828E+33f;

    /// <summary>The path chosen once for this CPU (overridable for tests).</summary>
    public static KernelPath DefaultPath { get; } =
        Avx512F.IsSupported ? KernelPath.Avx512 : Avx2.IsSupported ? KernelPath.Avx2 : KernelPath.Scalar;

    /// <summary>Σ w[i] · x[i] over <paramref name="length"/> elements.</summary>
    public static float Dot(ushort* w, float* x, int length, KernelPath path = KernelPath.Auto)
    {
        if (path == KernelPath.Auto) path = DefaultPath;
        return path switch
        {
            KernelPath.Avx512 when Avx512F.IsSupported => DotAvx512(w, x, length),
            KernelPath.Avx2 when Avx2.IsSupported && Fma.IsSupported => DotAvx2(w, x, length),
            _ => DotScalar(w, x, length),
        };
    }

    /// <summary>The reference.</summary>
    public static float DotScalar(ushort* w, float* x, int length)
    {
        var sum = 0f;
        for (var i = 0; i < length; i++) sum += (float)BitConverter.UInt16BitsToHalf(w[i]) * x[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotAvx512(ushort* w, float* x, int length)
    {
        Vector512<float> a0 = default, a1 = default;
        var i = 0;
        for (; i + 32 <= length; i += 32)
        {
            a0 = Avx512F.FusedMultiplyAdd(Widen512(Vector256.Load(w + i)), Vector512.Load(x + i), a0);
            a1 = Avx512F.FusedMultiplyAdd(Widen512(Vector256.Load(w + i + 16)), Vector512.Load(x + i + 16), a1);
        }
        var sum = Vector512.Sum(a0 + a1);
        for (; i < length; i++) sum += (float)BitConverter.UInt16BitsToHalf(w[i]) * x[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotAvx2(ushort* w, float* x, int length)
    {
        Vector256<float> a0 = default, a1 = default;
        var i = 0;
        for (; i + 16 <= length; i += 16)
        {
            a0 = Fma.MultiplyAdd(Widen256(Vector128.Load(w + i)), Vector256.Load(x + i), a0);
            a1 = Fma.MultiplyAdd(Widen256(Vector128.Load(w + i + 8)), Vector256.Load(x + i + 8), a1);
        }
        var sum = Vector256.Sum(a0 + a1);
        for (; i < length; i++) sum += (float)BitConverter.UInt16BitsToHalf(w[i]) * x[i];
        return sum;
    }

    /// <summary>Sixteen halves widened to floats (exact for finite halves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Widen512(Vector256<ushort> h)
    {
        var bits = Avx512F.ConvertToVector512UInt32(h);
        var magnitude = Avx512F.ShiftLeftLogical(bits & Vector512.Create(0x7FFFu), 13).AsSingle() * Vector512.Create(TwoPow112);
        var sign = Avx512F.ShiftLeftLogical(bits & Vector512.Create(0x8000u), 16).AsSingle();
        return magnitude | sign;
    }

    /// <summary>Eight halves widened to floats (exact for finite halves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Widen256(Vector128<ushort> h)
    {
        var bits = Avx2.ConvertToVector256Int32(h).AsUInt32();
        var magnitude = Avx2.ShiftLeftLogical(bits & Vector256.Create(0x7FFFu), 13).AsSingle() * Vector256.Create(TwoPow112);
        var sign = Avx2.ShiftLeftLogical(bits & Vector256.Create(0x8000u), 16).AsSingle();
        return magnitude | sign;
    }
}
