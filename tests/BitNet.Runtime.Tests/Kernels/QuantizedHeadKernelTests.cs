using System.Runtime.InteropServices;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Quantized;

namespace BitNet.Runtime.Tests.Kernels;

/// <summary>
/// The int8 LM head kernels: the activation quantizers against ggml's reference formulas on hand-built values, and every
/// SIMD path of the Q8_0 × Q8_0 and Q6_K × Q8_K dots against the scalar reference on random blocks.
/// </summary>
public sealed unsafe class QuantizedHeadKernelTests
{
    public static TheoryData<KernelPath> Q8_0Paths() => Paths(Q8_0Dot.Paths.Where(Q8_0Dot.IsSupported));

    public static TheoryData<KernelPath> Q6_KPaths() => Paths(Q6_KDot.Paths.Where(Q6_KDot.IsSupported));

    private static TheoryData<KernelPath> Paths(IEnumerable<KernelPath> paths)
    {
        var data = new TheoryData<KernelPath>();
        foreach (var p in paths) data.Add(p);
        return data;
    }

    [Fact]
    public void QuantizeQ8_0_IsGgmlsReference_RoundingHalvesAwayFromZero()
    {
        using var a = new HeadActivations(64);
        var x = new float[64];
        // Block 0: max |x| = 2.54 → d = 0.02; 0.01 → 0.5 → 1, −0.03 → −1.5 → −2, −2.54 → −127.
        x[0] = 0.01f; x[1] = -0.03f; x[2] = -2.54f; x[3] = 1.27f;
        // Block 1: all zero → d = 0, q = 0.
        a.QuantizeQ8_0(x);
        var d = 2.54f / 127f;
        Assert.Equal((float)(Half)d, a.Steps[0]);
        Assert.Equal(MathF.Round(0.01f * (1f / d), MidpointRounding.AwayFromZero), a.Quants[0]);
        Assert.Equal(MathF.Round(-0.03f * (1f / d), MidpointRounding.AwayFromZero), a.Quants[1]);
        Assert.Equal(-127, a.Quants[2]);
        Assert.Equal(64, a.Quants[3]); // 63.5 rounds away from zero
        Assert.Equal(0f, a.Steps[1]);
        for (var j = 32; j < 64; j++) Assert.Equal(0, a.Quants[j]);
    }

    [Fact]
    public void QuantizeQ8_K_IsGgmlsReference_SignedStep_HalvesToEven_GroupSums()
    {
        using var a = new HeadActivations(512);
        var x = new float[512];
        // Block 0: the largest magnitude is −127, so iscale = −127/−127 = 1 and d = 1; ties go to even.
        x[0] = -127f; x[1] = 2.5f; x[2] = 3.5f; x[3] = -2.5f; x[16] = 100f; x[17] = 0.5f;
        // Block 1: largest magnitude +50 → iscale = −127/50, d = −50/127: every q has the opposite sign of x.
        x[256] = 50f; x[257] = -25f;
        a.QuantizeQ8_K(x);
        Assert.Equal(1f, a.Steps[0]);
        Assert.Equal(-127, a.Quants[0]);
        Assert.Equal(2, a.Quants[1]);
        Assert.Equal(4, a.Quants[2]);
        Assert.Equal(-2, a.Quants[3]);
        Assert.Equal(100, a.Quants[16]);
        Assert.Equal(0, a.Quants[17]);
        Assert.Equal(-127 + 2 + 4 - 2, a.GroupSums[0]);
        Assert.Equal(100, a.GroupSums[1]);
        var iscale = -127f / 50f;
        Assert.Equal(1f / iscale, a.Steps[1]);
        Assert.True(a.Steps[1] < 0);
        Assert.Equal(-127, a.Quants[256]);
        Assert.Equal((sbyte)MathF.Round(iscale * -25f, MidpointRounding.ToEven), a.Quants[257]);
        Assert.Equal(-127 + a.Quants[257], a.GroupSums[16]);
    }

    [Fact]
    public void QuantizeQ8_K_AllZeroBlock_HasStepZero()
    {
        using var a = new HeadActivations(256);
        a.QuantizeQ8_K(new float[256]);
        Assert.Equal(0f, a.Steps[0]);
        for (var g = 0; g < 16; g++) Assert.Equal(0, a.GroupSums[g]);
    }

    [Fact]
    public void Q8_0DotScalar_IsTheDequantizedSum_WithNegativeStepsAndExtremes()
    {
        // Two weight blocks: d = −0.5 with q = −128, 127, …; d = 0.25 with q = 1.
        var row = new byte[2 * Q8_0Dot.BlockBytes];
        WriteHalf(row, 0, -0.5f);
        WriteHalf(row, Q8_0Dot.BlockBytes, 0.25f);
        for (var j = 0; j < 32; j++)
        {
            row[2 + j] = (byte)(sbyte)(j == 0 ? -128 : j == 1 ? 127 : j - 16);
            row[Q8_0Dot.BlockBytes + 2 + j] = 1;
        }
        using var a = new HeadActivations(64);
        var x = new float[64];
        for (var i = 0; i < 64; i++) x[i] = (i % 7 - 3) * 0.37f;
        x[0] = -5f; x[33] = 4f;
        a.QuantizeQ8_0(x);
        double expected = 0;
        for (var b = 0; b < 2; b++)
        {
            var dw = (double)(float)BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(row, b * Q8_0Dot.BlockBytes));
            for (var j = 0; j < 32; j++) expected += dw * (sbyte)row[b * Q8_0Dot.BlockBytes + 2 + j] * a.Steps[b] * a.Quants[b * 32 + j];
        }
        fixed (byte* w = row)
            Assert.Equal(expected, Q8_0Dot.DotScalar(w, a.Quants, a.Steps, 2), 1e-4);
    }

    [Fact]
    public void Q6_KDotScalar_IsTheDequantizedSum_WithNegativeScalesAndExtremeCodes()
    {
        var block = new byte[Q6_KDot.BlockBytes];
        var codes = new int[256];
        var random = new Random(7);
        for (var i = 0; i < 256; i++) codes[i] = i % 5 == 0 ? 0 : i % 5 == 1 ? 63 : random.Next(64);
        var scales = new sbyte[16];
        for (var g = 0; g < 16; g++) scales[g] = (sbyte)(g == 0 ? -128 : g == 1 ? 127 : random.Next(-100, 100));
        EncodeQ6_K(codes, scales, -0.0123f, block);
        using var a = new HeadActivations(256);
        var x = new float[256];
        for (var i = 0; i < 256; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        x[5] = -3f;
        a.QuantizeQ8_K(x);
        double expected = 0;
        var d = (double)(float)(Half)(-0.0123f);
        for (var i = 0; i < 256; i++) expected += d * scales[i / 16] * (codes[i] - 32) * a.Steps[0] * a.Quants[i];
        fixed (byte* w = block)
            Assert.Equal(expected, Q6_KDot.DotScalar(w, a.Quants, a.Steps, 1), Math.Abs(expected) * 1e-5 + 1e-6);
    }

    [Theory]
    [MemberData(nameof(Q8_0Paths))]
    public void Q8_0Dot_EveryPath_MatchesScalar(KernelPath path)
    {
        var random = new Random(11);
        foreach (var blocks in new[] { 1, 2, 3, 5, 8, 13, 80, 81 })
        {
            var row = new byte[blocks * Q8_0Dot.BlockBytes];
            random.NextBytes(row);
            for (var b = 0; b < blocks; b++) WriteHalf(row, b * Q8_0Dot.BlockBytes, (float)(random.NextDouble() * 0.2 - 0.1));
            if (blocks > 2) for (var j = 0; j < 32; j++) row[Q8_0Dot.BlockBytes + 2 + j] = j % 2 == 0 ? (byte)0x80 : (byte)0x7F; // −128, 127
            using var a = RandomActivations(random, blocks * 32, q8K: false);
            fixed (byte* w = row)
            {
                var expected = Q8_0Dot.DotScalar(w, a.Quants, a.Steps, blocks);
                var actual = Q8_0Dot.Dot(w, a, blocks, path);
                var bound = 0.0;
                for (var b = 0; b < blocks; b++)
                    for (var j = 0; j < 32; j++)
                        bound += Math.Abs((double)Q8_0Step(row, b) * a.Steps[b] * (sbyte)row[b * Q8_0Dot.BlockBytes + 2 + j] * a.Quants[b * 32 + j]);
                Assert.True(Math.Abs(expected - actual) <= 1e-5 * bound + 1e-9,
                    $"{path}, {blocks} blocks: {actual} vs {expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Q6_KPaths))]
    public void Q6_KDot_EveryPath_MatchesScalar(KernelPath path)
    {
        var random = new Random(13);
        foreach (var blocks in new[] { 1, 2, 3, 10, 11 })
        {
            var row = new byte[blocks * Q6_KDot.BlockBytes];
            random.NextBytes(row); // any bytes are valid codes and scales (−128 … 127)
            for (var b = 0; b < blocks; b++) WriteHalf(row, b * Q6_KDot.BlockBytes + 208, (float)(random.NextDouble() * 0.02 - 0.01));
            if (blocks > 1)
            {
                // Extremes: all codes 63 (ql 0xFF, qh 0xFF) and scales −128 in block 1.
                Array.Fill(row, (byte)0xFF, Q6_KDot.BlockBytes, 192);
                Array.Fill(row, (byte)0x80, Q6_KDot.BlockBytes + 192, 16);
            }
            using var a = RandomActivations(random, blocks * 256, q8K: true);
            fixed (byte* w = row)
            {
                var expected = Q6_KDot.DotScalar(w, a.Quants, a.Steps, blocks);
                var actual = Q6_KDot.Dot(w, a, blocks, path);
                var bound = 0.0;
                for (var b = 0; b < blocks; b++)
                    bound += Math.Abs((double)(float)BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(row, b * Q6_KDot.BlockBytes + 208)) * a.Steps[b]) * 128 * 32 * 127 * 256;
                Assert.True(Math.Abs(expected - actual) <= 1e-6 * bound + 1e-9,
                    $"{path}, {blocks} blocks: {actual} vs {expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Q6_KPaths))]
    public void Q6_KDot_EveryPath_IsExactOnSmallIntegers(KernelPath path)
    {
        // Steps of 1 make every product an integer well inside float precision: all paths must agree exactly.
        var random = new Random(17);
        var codes = new int[256];
        var scales = new sbyte[16];
        for (var i = 0; i < 256; i++) codes[i] = random.Next(64);
        for (var g = 0; g < 16; g++) scales[g] = (sbyte)random.Next(-128, 128);
        var block = new byte[Q6_KDot.BlockBytes];
        EncodeQ6_K(codes, scales, 1f, block);
        using var a = new HeadActivations(256);
        var x = new float[256];
        x[0] = -127f; // iscale = 1: q = round(x)
        for (var i = 1; i < 256; i++) x[i] = random.Next(-127, 128);
        a.QuantizeQ8_K(x);
        long expected = 0;
        for (var i = 0; i < 256; i++) expected += (long)scales[i / 16] * (codes[i] - 32) * a.Quants[i];
        fixed (byte* w = block)
            Assert.Equal(expected, (long)Q6_KDot.Dot(w, a, 1, path));
    }

    internal static void EncodeQ6_K(int[] codes, sbyte[] scales, float d, byte[] block)
    {
        // The layout as documented (independent of the engine's loops): value 128h + 32k + l has its low nibble in
        // ql[64h + l + 32(k mod 2)] (low nibble for k < 2, high for k ≥ 2) and its high 2 bits in qh[32h + l], bits 2k.
        Array.Clear(block);
        for (var i = 0; i < 256; i++)
        {
            int h = i / 128, k = i % 128 / 32, l = i % 32;
            var ql = 64 * h + l + 32 * (k % 2);
            block[ql] |= (byte)((codes[i] & 0xF) << (k < 2 ? 0 : 4));
            block[128 + 32 * h + l] |= (byte)((codes[i] >> 4) << (2 * k));
        }
        for (var g = 0; g < 16; g++) block[192 + g] = (byte)scales[g];
        WriteHalf(block, 208, d);
    }

    internal static void WriteHalf(byte[] bytes, int at, float value) =>
        BitConverter.TryWriteBytes(bytes.AsSpan(at), BitConverter.HalfToUInt16Bits((Half)value));

    private static float Q8_0Step(byte[] row, int b) => (float)BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(row, b * Q8_0Dot.BlockBytes));

    private static HeadActivations RandomActivations(Random random, int n, bool q8K)
    {
        var a = new HeadActivations(n);
        var x = new float[n];
        for (var i = 0; i < n; i++) x[i] = (float)(random.NextDouble() * 2 - 1) * (i % 97 == 0 ? 30 : 1);
        if (q8K) a.QuantizeQ8_K(x);
        else a.QuantizeQ8_0(x);
        return a;
    }
}
