using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Float16;

namespace BitNet.Runtime.Tests.Kernels;

/// <summary>The F16 head kernels: the integer widening is exact for every finite half, and every path's dot agrees with the scalar reference.</summary>
public sealed unsafe class HalfDotTests
{
    [Fact]
    public void Widen512_IsExactForEveryFiniteHalf()
    {
        if (!Avx512F.IsSupported) return;
        var bits = new ushort[16];
        for (var start = 0; start < 65536; start += 16)
        {
            for (var i = 0; i < 16; i++) bits[i] = (ushort)(start + i);
            Vector512<float> widened;
            fixed (ushort* p = bits) widened = HalfDot.Widen512(Vector256.Load(p));
            for (var i = 0; i < 16; i++) AssertWidened(bits[i], widened[i]);
        }
    }

    [Fact]
    public void Widen256_IsExactForEveryFiniteHalf()
    {
        if (!Avx2.IsSupported) return;
        var bits = new ushort[8];
        for (var start = 0; start < 65536; start += 8)
        {
            for (var i = 0; i < 8; i++) bits[i] = (ushort)(start + i);
            Vector256<float> widened;
            fixed (ushort* p = bits) widened = HalfDot.Widen256(Vector128.Load(p));
            for (var i = 0; i < 8; i++) AssertWidened(bits[i], widened[i]);
        }
    }

    public static TheoryData<KernelPath> Paths()
    {
        var paths = new TheoryData<KernelPath> { KernelPath.Scalar };
        if (Avx2.IsSupported && Fma.IsSupported) paths.Add(KernelPath.Avx2);
        if (Avx512F.IsSupported) paths.Add(KernelPath.Avx512);
        return paths;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Dot_MatchesTheScalarReferenceWithTails(KernelPath path)
    {
        var random = new Random(3);
        foreach (var length in new[] { 1, 8, 15, 16, 17, 31, 32, 33, 100, 2560 })
        {
            var w = new ushort[length];
            var x = new float[length];
            for (var i = 0; i < length; i++)
            {
                w[i] = BitConverter.HalfToUInt16Bits((Half)(random.NextDouble() * 2 - 1));
                x[i] = (float)(random.NextDouble() * 2 - 1);
            }
            w[0] = 0x8001; // the smallest negative subnormal
            fixed (ushort* wp = w)
            fixed (float* xp = x)
            {
                double exact = 0;
                for (var i = 0; i < length; i++) exact += (double)(float)BitConverter.UInt16BitsToHalf(w[i]) * x[i];
                Assert.Equal(exact, HalfDot.Dot(wp, xp, length, path), 1e-4);
            }
        }
    }

    private static void AssertWidened(ushort bits, float widened)
    {
        if (HalfBits.IsNonFinite(bits)) return; // weights are checked finite at load
        var expected = (float)BitConverter.UInt16BitsToHalf(bits);
        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(widened), $"0x{bits:X4}: {widened}, expected {expected}");
    }
}
