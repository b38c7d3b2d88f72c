using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Activations;

namespace BitNet.Runtime.Tests.Kernels;

/// <summary>The fused int8 quantization pass (AVX-512, AVX2) against the plain-loop reference, at every tail length.</summary>
public sealed unsafe class ActivationQuantizerPathTests
{
    public static TheoryData<KernelPath> Paths()
    {
        var paths = new TheoryData<KernelPath> { KernelPath.Scalar };
        if (Avx2.IsSupported) paths.Add(KernelPath.Avx2);
        if (Avx512F.IsSupported) paths.Add(KernelPath.Avx512);
        return paths;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ScaleRoundNarrow_MatchesTheReferenceAtEveryLength(KernelPath path)
    {
        foreach (var length in new[] { 1, 7, 15, 16, 17, 31, 32, 33, 63, 65, 255, 1000, 2560, 6912 })
        {
            var x = TernaryGemvTests.RandomVector(length, seed: length);
            var reference = new float[length];
            var scale = Int8Activations.Quantize(x, reference);
            var q = new sbyte[length];
            int sum;
            fixed (float* xp = x)
            fixed (sbyte* qp = q)
                sum = Int8Activations.ScaleRoundNarrow(xp, length, scale, qp, path);
            for (var i = 0; i < length; i++) Assert.True((sbyte)reference[i] == q[i], $"length {length}, element {i}: {q[i]}, expected {reference[i]}");
            Assert.Equal((int)reference.Sum(), sum);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ScaleRoundNarrow_RoundsHalvesToEven(KernelPath path)
    {
        // With max|x| = 127 the scale is exactly 1, so these products are exact halves.
        float[] x = [127f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, -127f, 126.5f, -126.5f, 3.49f, -3.51f, 0f, -0f, 64.5f, 65.5f, 7.5f];
        sbyte[] expected = [127, 0, 2, 2, 0, -2, -2, -127, 126, -126, 3, -4, 0, 0, 64, 66, 8];
        var q = new sbyte[x.Length];
        int sum;
        fixed (float* xp = x)
        fixed (sbyte* qp = q)
            sum = Int8Activations.ScaleRoundNarrow(xp, x.Length, 1f, qp, path);
        Assert.Equal(expected, q);
        Assert.Equal(expected.Sum(v => v), sum);
    }

    [Fact]
    public void QuantizeToBytes_EqualsTheReferenceThroughQuantizedActivations()
    {
        var x = TernaryGemvTests.RandomVector(6912, seed: 11);
        using var q = new QuantizedActivations(6912);
        q.Quantize(x);
        var reference = new float[x.Length];
        Assert.Equal(Int8Activations.Quantize(x, reference), q.Scale);
        for (var i = 0; i < x.Length; i++) Assert.Equal((sbyte)reference[i], q.Values[i]);
        Assert.Equal((int)reference.Sum(), q.Sum);
    }
}
