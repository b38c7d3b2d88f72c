using BitNet.Runtime.Kernels.Attention;

namespace BitNet.Runtime.Tests.Kernels;

/// <summary>Each KV cache quantizer against an independent reference: nearest representable value, ties to even.</summary>
public sealed unsafe class KvQuantizerTests
{
    /// <summary>Random floats over many binades, both signs, plus zeros.</summary>
    private static float[] Samples(int seed, int count, int minExponent, int maxExponent)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            var magnitude = MathF.ScaleB(1f + random.NextSingle(), random.Next(minExponent, maxExponent + 1));
            values[i] = random.Next(2) == 0 ? magnitude : -magnitude;
        }
        values[0] = 0f;
        values[1] = -0f;
        return values;
    }

    /// <summary>
    /// The nearest finite code of an 8-bit float by exhaustive search over its decoded values (ties to the even code),
    /// saturating beyond the largest finite value.
    /// </summary>
    private static byte NearestMiniFloat(float value, Func<byte, float> decode, byte maxCode)
    {
        var sign = value < 0 || (value == 0 && float.IsNegative(value)) ? 0x80 : 0;
        var magnitude = (double)MathF.Abs(value);
        byte best = 0;
        var bestError = double.PositiveInfinity;
        for (var code = 0; code <= maxCode; code++)
        {
            var error = Math.Abs(decode((byte)code) - magnitude);
            if (error < bestError || (error == bestError && (code & 1) == 0))
            {
                best = (byte)code;
                bestError = error;
            }
        }
        return (byte)(sign | best);
    }

    /// <summary>Every code's value, every midpoint between neighbours (the ties) and a little either side of them.</summary>
    private static IEnumerable<float> EdgeValues(Func<byte, float> decode, byte maxCode)
    {
        for (var code = 0; code <= maxCode; code++)
        {
            var value = decode((byte)code);
            yield return value;
            yield return -value;
            if (code == maxCode) continue;
            var mid = (float)((value + (double)decode((byte)(code + 1))) / 2);
            yield return mid;
            yield return -mid;
            yield return MathF.BitIncrement(mid);
            yield return MathF.BitDecrement(mid);
        }
    }

    [Fact]
    public void Fp8E4M3_RoundsToNearestEven_AndSaturates()
    {
        static float Decode(byte c) => MiniFloat.Decode(c, 3, 7);
        Assert.Equal(448f, Decode(0x7E));
        Assert.Equal(MathF.ScaleB(1, -9), Decode(0x01));
        Assert.Equal(MathF.ScaleB(1, -6), Decode(0x08));
        foreach (var x in EdgeValues(Decode, 0x7E).Concat(Samples(1, 20000, -14, 9)))
            Assert.True(NearestMiniFloat(x, Decode, 0x7E) == Fp8E4M3KvFormat.Round(x), $"E4M3 of {x:R}: expected {NearestMiniFloat(x, Decode, 0x7E):X2}, got {Fp8E4M3KvFormat.Round(x):X2}");
        Assert.Equal(0x7E, Fp8E4M3KvFormat.Round(1e6f));
        Assert.Equal(0xFE, Fp8E4M3KvFormat.Round(float.NegativeInfinity));
        Assert.Equal(0x7F, Fp8E4M3KvFormat.Round(float.NaN) & 0x7F);
    }

    [Fact]
    public void Fp8E5M2_RoundsToNearestEven_AndSaturates()
    {
        static float Decode(byte c) => MiniFloat.Decode(c, 2, 15);
        Assert.Equal(57344f, Decode(0x7B));
        Assert.Equal(MathF.ScaleB(1, -16), Decode(0x01));
        foreach (var x in EdgeValues(Decode, 0x7B).Concat(Samples(2, 20000, -20, 17)))
            Assert.True(NearestMiniFloat(x, Decode, 0x7B) == Fp8E5M2KvFormat.Round(x), $"E5M2 of {x:R}: expected {NearestMiniFloat(x, Decode, 0x7B):X2}, got {Fp8E5M2KvFormat.Round(x):X2}");
        Assert.Equal(0x7B, Fp8E5M2KvFormat.Round(float.PositiveInfinity));
        Assert.Equal(0xFB, Fp8E5M2KvFormat.Round(-1e9f));
    }

    [Fact]
    public void BFloat16_RoundsToNearestEven()
    {
        static float Decode(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
        var values = Samples(3, 20000, -130, 120).ToList();
        // Exact ties: halfway between two bfloat16 values, with an even and with an odd lower neighbour.
        values.AddRange([BitConverter.UInt32BitsToSingle(0x3F808000), BitConverter.UInt32BitsToSingle(0x3F818000), BitConverter.UInt32BitsToSingle(0xBF818000)]);
        foreach (var x in values)
        {
            var truncated = (ushort)(BitConverter.SingleToUInt32Bits(x) >> 16);
            var below = Decode(truncated);
            var above = Decode((ushort)(truncated + 1));
            double errorBelow = Math.Abs((double)x - below), errorAbove = Math.Abs((double)x - above);
            var expected = errorBelow < errorAbove || (errorBelow == errorAbove && (truncated & 1) == 0) ? truncated : (ushort)(truncated + 1);
            Assert.Equal(expected, BFloat16KvFormat.Round(x));
        }
        Assert.True(float.IsNaN(Decode(BFloat16KvFormat.Round(float.NaN))));
    }

    [Fact]
    public void Float16_IsTheHalfConversion_Saturated()
    {
        var row = Samples(4, 4096, -26, 18);
        var codes = new ushort[row.Length];
        fixed (ushort* c = codes) Float16KvFormat.Encode(row, (byte*)c, null);
        for (var i = 0; i < row.Length; i++)
        {
            var expected = MathF.Abs(row[i]) > 65504f ? MathF.CopySign(65504f, row[i]) : (float)(Half)row[i];
            Assert.Equal(expected, (float)BitConverter.UInt16BitsToHalf(codes[i]));
        }
    }

    [Fact]
    public void Int8_UsesAbsMaxPerHead_AndRoundsEachElement()
    {
        var random = new Random(5);
        foreach (var length in new[] { 1, 3, 64, 128 })
        {
            var row = Enumerable.Range(0, length).Select(_ => (random.NextSingle() - 0.5f) * 20f).ToArray();
            var codes = new sbyte[length];
            var scale = 0f;
            fixed (sbyte* c = codes) Int8KvFormat.Encode(row, (byte*)c, &scale);
            var absMax = row.Max(MathF.Abs);
            Assert.Equal(absMax / 127f, scale);
            for (var i = 0; i < length; i++)
                Assert.Equal((sbyte)Math.Clamp(MathF.Round(row[i] / scale), -127, 127), codes[i]);
            Assert.Contains(codes, c => Math.Abs(c) == 127);
        }
        var zeros = new float[8];
        var zeroCodes = new sbyte[8];
        var zeroScale = 1f;
        fixed (sbyte* c = zeroCodes) Int8KvFormat.Encode(zeros, (byte*)c, &zeroScale);
        Assert.Equal(0f, zeroScale);
        Assert.All(zeroCodes, c => Assert.Equal(0, c));
    }

    [Fact]
    public void Int4_UsesAbsMaxPerGroupOf32_AndPacksNibbles()
    {
        var random = new Random(6);
        var row = Enumerable.Range(0, 128).Select(_ => (random.NextSingle() - 0.5f) * 8f).ToArray();
        row.AsSpan(32, 32).Clear(); // an all-zero group
        var codes = new byte[64];
        var scales = new float[4];
        fixed (byte* c = codes)
        fixed (float* s = scales)
        {
            Int4KvFormat.Encode(row, c, s);
            for (var g = 0; g < 4; g++)
            {
                var absMax = row.AsSpan(g * 32, 32).ToArray().Max(MathF.Abs);
                Assert.Equal(absMax / 7f, scales[g]);
                for (var j = 0; j < 32; j++)
                {
                    var i = g * 32 + j;
                    var expected = scales[g] == 0 ? 0 : (int)Math.Clamp(MathF.Round(row[i] / scales[g]), -7, 7);
                    var packed = codes[g * 16 + j % 16];
                    Assert.Equal(expected + 8, j < 16 ? packed & 0xF : packed >> 4);
                    Assert.Equal(expected, Int4KvFormat.Decode(c, i));
                }
            }
        }
    }
}
