using System.Buffers.Binary;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Weights;
using BitNet.Runtime.Weights.I2S;
using BitNet.Runtime.Weights.TQ1_0;
using BitNet.Runtime.Weights.TQ2_0;
using BitNet.Tests;
using static BitNet.Runtime.Tests.Weights.TernaryBlockImages;

namespace BitNet.Runtime.Tests.Weights;

/// <summary>
/// The encoders are the exact inverse of the decoders: the README's worked examples, the peer-made fixture tensors
/// re-encoded byte for byte, and random round trips.
/// </summary>
public sealed class TernaryEncoderTests
{
    // ---- Worked examples (ternary-formats.md, fixtures README)

    [Fact]
    public void Tq2_WorkedExample_Byte0Is0x86()
    {
        var values = new sbyte[256];
        (values[0], values[32], values[64], values[96]) = (1, 0, -1, 1);
        var block = new byte[66];
        TQ2_0Encoder.EncodeBlocks(values, 0.5f, block);
        Assert.Equal(0x86, block[0]);
        Assert.All(block[1..64], b => Assert.Equal(0x55, b));
        Assert.Equal((Half)0.5f, BinaryPrimitives.ReadHalfLittleEndian(block.AsSpan(64)));
    }

    [Fact]
    public void I2S_WorkedExample_Byte0Is0x92_AndTheTailIsScaleThenZeros()
    {
        var values = new sbyte[128];
        (values[0], values[32], values[64], values[96]) = (1, 0, -1, 1);
        var data = I2SEncoder.Encode(values, 1, 128, 0.02587890625f);
        Assert.Equal(32 + 32, data.Length);
        Assert.Equal(0x92, data[0]);
        Assert.All(data[1..32], b => Assert.Equal(0x55, b));
        Assert.Equal(0.02587890625f, BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(32)));
        Assert.All(data[36..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Tq1_WorkedExamples_207And184()
    {
        // Digits (2, 1, 0, 2, 1) → q = 196 → ⌈196·256/243⌉ = 207; qh digits (2, 0, 1, 1) → q = 174 → 184.
        Assert.Equal(207, TQ1_0Encoder.Pack5(2, 1, 0, 2, 1));
        Assert.Equal(184, TQ1_0Encoder.Pack5(2, 0, 1, 1, 0));

        var values = new sbyte[256];
        (values[0], values[32], values[64], values[96], values[128]) = (1, 0, -1, 1, 0);
        (values[240], values[244], values[248], values[252]) = (1, -1, 0, 0);
        var block = new byte[54];
        TQ1_0Encoder.EncodeBlocks(values, 1f, block);
        Assert.Equal(207, block[0]);
        Assert.Equal(184, block[48]);
    }

    [Fact]
    public void Tq1_EveryStoredByte_DecodesToItsDigits()
    {
        for (var q = 0; q < 243; q++)
        {
            int[] c = [q / 81, q / 27 % 3, q / 9 % 3, q / 3 % 3, q % 3];
            var b = TQ1_0Encoder.Pack5(c[0], c[1], c[2], c[3], c[4]);
            var power = 1;
            for (var n = 0; n < 5; n++, power *= 3)
                Assert.Equal(c[n], (byte)(b * power) * 3 >> 8);
        }
    }

    // ---- The fixtures, re-encoded

    public static TheoryData<string> Fixtures => new()
    {
        "tinystories-bitnet-4m-tq2_0.gguf",
        "tinystories-bitnet-4m-tq1_0.gguf",
        "tinystories-bitnet-4m-i2_s.gguf",
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void FixtureProjections_ReEncodeByteForByte(string fileName)
    {
        using var file = GgufFile.Open(SharedData.File("fixtures", "tinystories-bitnet", fileName));
        var projections = file.Tensors.Where(t => t.Type is GgufTensorType.I2_S or GgufTensorType.TQ1_0 or GgufTensorType.TQ2_0).ToList();
        Assert.Equal(35, projections.Count);
        foreach (var tensor in projections)
        {
            var original = file.GetTensorBytes(tensor);
            using var m = TernaryWeights.Load(file, tensor);
            var values = new sbyte[m.Rows * m.Columns];
            for (var r = 0; r < m.Rows; r++)
                for (var k = 0; k < m.Columns; k++) values[r * m.Columns + k] = (sbyte)m[r, k];

            var encoded = tensor.Type switch
            {
                GgufTensorType.I2_S => I2SEncoder.Encode(values, m.Rows, m.Columns, m.Scale),
                GgufTensorType.TQ2_0 => TQ2_0Encoder.Encode(values, m.Rows, m.Columns, BlockScales(original, TQ2_0Weights.BlockBytes, 64)),
                _ => TQ1_0Encoder.Encode(values, m.Rows, m.Columns, BlockScales(original, TQ1_0Weights.BlockBytes, 52)),
            };
            Assert.Equal(tensor.ByteSize, encoded.Length);
            Assert.True(original.SequenceEqual(encoded), $"{tensor.Name} ({tensor.Type}) does not re-encode to its own bytes.");
        }
    }

    private static float[] BlockScales(ReadOnlySpan<byte> data, int blockBytes, int scaleOffset)
    {
        var scales = new float[data.Length / blockBytes];
        for (var i = 0; i < scales.Length; i++) scales[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(data[(i * blockBytes + scaleOffset)..]);
        return scales;
    }

    // ---- Random round trips

    [Theory]
    [InlineData(1, 128)]
    [InlineData(3, 384)]
    [InlineData(7, 2560)]
    public void I2S_RandomValues_RoundTrip(int rows, int columns)
    {
        var trits = RandomTrits(rows, columns, seed: rows + columns);
        using var m = I2SWeights.Decode("t", rows, columns, I2S(trits, 0.0375f));
        AssertSame(trits, m);
        Assert.Equal(0.0375f, m.Scale);
    }

    [Theory]
    [InlineData(1, 256)]
    [InlineData(5, 768)]
    [InlineData(3, 2560)]
    public void Tq2AndTq1_RandomValuesAndBlockScales_RoundTrip(int rows, int columns)
    {
        var trits = RandomTrits(rows, columns, seed: rows * columns);
        var random = new Random(columns);
        var scales = Enumerable.Range(0, rows * columns / 256).Select(_ => (float)(Half)(0.01f + random.NextSingle())).ToArray();
        foreach (var data in new[] { (Tq2(trits, scales), GgufTensorType.TQ2_0), (Tq1(trits, scales), GgufTensorType.TQ1_0) })
        {
            using var m = data.Item2 == GgufTensorType.TQ2_0
                ? TQ2_0Weights.Decode("t", rows, columns, data.Item1)
                : TQ1_0Weights.Decode("t", rows, columns, data.Item1);
            AssertSame(trits, m);
            if (scales.Length > 1) Assert.Equal(scales, m.BlockScales);
            else Assert.Equal(scales[0], m.Scale);
        }
    }

    [Fact]
    public void EncodingInPieces_EqualsEncodingAtOnce()
    {
        var trits = RandomTrits(4, 512, seed: 9);
        var flat = Flat(trits).ToArray();
        var whole = new byte[4 * 512 / 4];
        I2SEncoder.EncodeCodes(flat, whole);
        var pieces = new byte[whole.Length];
        for (var r = 0; r < 4; r++) I2SEncoder.EncodeCodes(flat.AsSpan(r * 512, 512), pieces.AsSpan(r * 128));
        Assert.Equal(whole, pieces);

        var tq2 = new byte[TQ2_0Encoder.ByteSize(4, 512)];
        TQ2_0Encoder.EncodeBlocks(flat, 0.25f, tq2);
        Assert.Equal(Tq2(trits, Enumerable.Repeat(0.25f, 8).ToArray()), tq2);
        var tq1 = new byte[TQ1_0Encoder.ByteSize(4, 512)];
        TQ1_0Encoder.EncodeBlocks(flat, 0.25f, tq1);
        Assert.Equal(Tq1(trits, Enumerable.Repeat(0.25f, 8).ToArray()), tq1);
    }

    // ---- Rejections

    [Theory]
    [InlineData(2)]
    [InlineData(-2)]
    [InlineData(sbyte.MinValue)]
    public void NonTernaryValue_IsNamed(sbyte bad)
    {
        var values = new sbyte[512];
        values[300] = bad;
        Assert.Contains("Value 300", Assert.Throws<ArgumentException>(() => I2SEncoder.EncodeCodes(values, new byte[128])).Message, StringComparison.Ordinal);
        Assert.Contains("Value 300", Assert.Throws<ArgumentException>(() => TQ2_0Encoder.EncodeBlocks(values, 1f, new byte[132])).Message, StringComparison.Ordinal);
        Assert.Contains("Value 300", Assert.Throws<ArgumentException>(() => TQ1_0Encoder.EncodeBlocks(values, 1f, new byte[108])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadLengthsAndScales_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => I2SEncoder.EncodeCodes(new sbyte[100], new byte[25]));
        Assert.Throws<ArgumentException>(() => I2SEncoder.EncodeCodes(new sbyte[128], new byte[31]));
        Assert.Throws<ArgumentException>(() => TQ2_0Encoder.EncodeBlocks(new sbyte[255], 1f, new byte[66]));
        Assert.Throws<ArgumentException>(() => TQ1_0Encoder.EncodeBlocks(new sbyte[256], 1f, new byte[53]));
        Assert.Throws<ArgumentException>(() => TQ2_0Encoder.EncodeBlocks(new sbyte[512], [1f], new byte[132]));
        Assert.Throws<ArgumentOutOfRangeException>(() => I2SEncoder.WriteTail(-1f, new byte[32]));
        Assert.Throws<ArgumentOutOfRangeException>(() => I2SEncoder.WriteTail(float.NaN, new byte[32]));
        Assert.Throws<ArgumentOutOfRangeException>(() => TQ2_0Encoder.EncodeBlocks(new sbyte[256], 1e6f, new byte[66]));
        Assert.Throws<ArgumentOutOfRangeException>(() => TQ1_0Encoder.EncodeBlocks(new sbyte[256], -0.5f, new byte[54]));
        Assert.Throws<ArgumentOutOfRangeException>(() => TQ1_0Encoder.Pack5(0, 0, 3, 0, 0));
        Assert.Throws<ArgumentException>(() => I2SEncoder.ByteSize(2, 100));
        Assert.Equal(2560L * 6912 / 4 + 32, I2SEncoder.ByteSize(6912, 2560));
        Assert.Equal(6912L * 10 * 66, TQ2_0Encoder.ByteSize(6912, 2560));
        Assert.Equal(6912L * 10 * 54, TQ1_0Encoder.ByteSize(6912, 2560));
    }

    private static void AssertSame(sbyte[,] trits, PackedTernaryMatrix m)
    {
        Assert.Equal((trits.GetLength(0), trits.GetLength(1)), (m.Rows, m.Columns));
        for (var r = 0; r < m.Rows; r++)
            for (var k = 0; k < m.Columns; k++)
                if (trits[r, k] != m[r, k]) Assert.Fail($"({r}, {k}): expected {trits[r, k]}, decoded {m[r, k]}.");
    }
}
