using System.Buffers.Binary;
using BitNet.Runtime.Weights;
using BitNet.Runtime.Weights.I2S;
using BitNet.Runtime.Weights.TQ1_0;
using BitNet.Runtime.Weights.TQ2_0;
using static BitNet.Runtime.Tests.Weights.TernaryBlockImages;

namespace BitNet.Runtime.Tests.Weights;

/// <summary>Hand-made byte images of each format decode to the values the README's rules say they hold.</summary>
public sealed class TernaryFormatDecodeTests
{
    // ---- TQ2_0

    [Fact]
    public void Tq2_WorkedExampleBytes_DecodeToTheirElements()
    {
        var block = new byte[66];
        block.AsSpan(0, 64).Fill(0x55);                          // every code 1 (value 0)
        block[0] = 0x86;                                         // elements 0, 32, 64, 96 = +1, 0, −1, +1 (README worked example)
        block[32] = 0 | 2 << 2 | 1 << 4 | 0 << 6;               // elements 128, 160, 192, 224 = −1, +1, 0, −1
        block[63] = 0x55 & ~0xC0 | 2 << 6;                       // element 128 + 31 + 96 = 255 = +1
        block[5] = 0x55 & ~0x0C | 0 << 2;                        // element 5 + 32 = 37 = −1
        BinaryPrimitives.WriteHalfLittleEndian(block.AsSpan(64), (Half)0.25f);

        using var m = TQ2_0Weights.Decode("t", 1, 256, block);
        var expected = new sbyte[256];
        expected[0] = 1; expected[64] = -1; expected[96] = 1;
        expected[128] = -1; expected[160] = 1; expected[224] = -1;
        expected[255] = 1; expected[37] = -1;
        AssertRow(expected, m, 0);
        Assert.Equal(0.25f, m.Scale);
        Assert.Null(m.BlockScales);
    }

    [Fact]
    public void Tq2_RandomBlocks_RoundTrip()
    {
        var trits = RandomTrits(3, 768, seed: 2);
        using var m = TQ2_0Weights.Decode("t", 3, 768, Tq2(trits, Enumerable.Repeat(0.125f, 9).ToArray()));
        AssertEqual(trits, m);
        Assert.Equal(0.125f, m.Scale);
        Assert.Null(m.BlockScales);
    }

    [Fact]
    public void Tq2_BlockWithScaleZero_DecodesToZeros()
    {
        var trits = RandomTrits(1, 256, seed: 3);
        using var m = TQ2_0Weights.Decode("t", 1, 256, Tq2(trits, [0f]));
        AssertEqual(Zeros(1, 256), m);
        Assert.Equal(0f, m.Scale);
        Assert.Null(m.BlockScales);
    }

    [Fact]
    public void Tq2_ZeroScaleBlockAmongEqualScales_KeepsOnePerTensorScale()
    {
        var trits = RandomTrits(2, 512, seed: 4);
        using var m = TQ2_0Weights.Decode("t", 2, 512, Tq2(trits, [0.5f, 0f, 0.5f, 0.5f]));
        Assert.Null(m.BlockScales);
        Assert.Equal(0.5f, m.Scale);
        for (var k = 0; k < 512; k++)
            Assert.Equal(k < 256 ? trits[0, k] : 0, m[0, k]);   // block (0, 1) had d = 0
        AssertRowEqual(trits, m, 1);
    }

    [Fact]
    public void Tq2_NonUniformScales_FillBlockScales()
    {
        var trits = RandomTrits(2, 512, seed: 5);
        float[] scales = [0.5f, 0.25f, 0f, 1.5f];
        using var m = TQ2_0Weights.Decode("t", 2, 512, Tq2(trits, scales));
        Assert.NotNull(m.BlockScales);
        Assert.Equal(scales, m.BlockScales);
        Assert.True(float.IsNaN(m.Scale));
        // value · BlockScales[row × chunks + chunk] is exactly the dequantized weight (c − 1) · d.
        for (var r = 0; r < 2; r++)
            for (var k = 0; k < 512; k++)
                Assert.Equal(trits[r, k] * scales[r * 2 + k / 256], m[r, k] * m.BlockScales![r * m.ChunksPerRow + k / 256]);
    }

    // ---- TQ1_0

    [Fact]
    public void Tq1_WorkedExampleBytes_DecodeToTheirElements()
    {
        var block = new byte[54];
        block.AsSpan(0, 48).Fill(Pack5(1, 1, 1, 1, 1));         // 128: five zeros
        block.AsSpan(48, 4).Fill(Pack5(1, 1, 1, 1, 0));         // 127: four zeros and the padding digit
        Assert.Equal(128, block[0]);
        Assert.Equal(127, block[48]);
        block[0] = 207;                                          // README: digits (2, 1, 0, 2, 1) → elements 0, 32, 64, 96, 128
        block[32 + 3] = 207;                                     // elements 163, 179, 195, 211, 227
        block[48 + 2] = 184;                                     // README qh example: digits (2, 0, 1, 1) → elements 242, 246, 250, 254
        BinaryPrimitives.WriteHalfLittleEndian(block.AsSpan(52), (Half)1.5f);

        using var m = TQ1_0Weights.Decode("t", 1, 256, block);
        var expected = new sbyte[256];
        expected[0] = 1; expected[64] = -1; expected[96] = 1;
        expected[163] = 1; expected[195] = -1; expected[211] = 1;
        expected[242] = 1; expected[246] = -1;
        AssertRow(expected, m, 0);
        Assert.Equal(1.5f, m.Scale);
        Assert.Null(m.BlockScales);
    }

    [Fact]
    public void Tq1_RandomBlocks_RoundTrip()
    {
        var trits = RandomTrits(3, 768, seed: 6);
        using var m = TQ1_0Weights.Decode("t", 3, 768, Tq1(trits, Enumerable.Repeat(0.0625f, 9).ToArray()));
        AssertEqual(trits, m);
        Assert.Equal(0.0625f, m.Scale);
    }

    [Fact]
    public void Tq1_EveryByte_DecodesLikeTheStatedArithmetic()
    {
        // All 243 digit patterns survive encode → decode, for every byte position class (qs low, qs high, qh).
        for (var q = 0; q < 243; q++)
        {
            int[] c = [q / 81, q / 27 % 3, q / 9 % 3, q / 3 % 3, q % 3];
            var trits = new sbyte[1, 256];
            for (var n = 0; n < 5; n++)
            {
                trits[0, 7 + 32 * n] = (sbyte)(c[n] - 1);
                trits[0, 160 + 9 + 16 * n] = (sbyte)(c[n] - 1);
                if (n < 4) trits[0, 240 + 1 + 4 * n] = (sbyte)(c[n] - 1);
            }
            using var m = TQ1_0Weights.Decode("t", 1, 256, Tq1(trits, [1f]));
            AssertEqual(trits, m);
        }
    }

    [Fact]
    public void Tq1_EveryByteValueInEveryPosition_DecodesByTheReadmeFormula()
    {
        // Block v has all 52 code bytes equal to v, including bytes no quantizer writes (e.g. 0, 255).
        var data = new byte[256 * 54];
        for (var v = 0; v < 256; v++)
        {
            data.AsSpan(v * 54, 52).Fill((byte)v);
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(v * 54 + 52), (Half)1f);
        }
        using var m = TQ1_0Weights.Decode("t", 256, 256, data);
        static int Digit(int b, int n) => (byte)(b * (int)Math.Pow(3, n)) * 3 >> 8;
        for (var v = 0; v < 256; v++)
            for (var n = 0; n < 5; n++)
            {
                for (var k = 0; k < 32; k++) Assert.Equal(Digit(v, n) - 1, m[v, k + 32 * n]);
                for (var k = 0; k < 16; k++) Assert.Equal(Digit(v, n) - 1, m[v, 160 + k + 16 * n]);
                if (n < 4)
                    for (var j = 0; j < 4; j++) Assert.Equal(Digit(v, n) - 1, m[v, 240 + j + 4 * n]);
            }
    }

    [Fact]
    public void Tq1_NonUniformScales_FillBlockScales()
    {
        var trits = RandomTrits(2, 512, seed: 7);
        float[] scales = [0.5f, 0f, 0.75f, 0.5f];
        using var m = TQ1_0Weights.Decode("t", 2, 512, Tq1(trits, scales));
        Assert.Equal(scales, m.BlockScales);
        for (var k = 0; k < 512; k++) Assert.Equal(k < 256 ? trits[0, k] : 0, m[0, k]);
        AssertRowEqual(trits, m, 1);
    }

    // ---- I2_S

    [Fact]
    public void I2S_WorkedExampleBytes_DecodeToTheirElements()
    {
        const int rows = 2, columns = 256;
        var data = new byte[rows * columns / 4 + 32];
        data.AsSpan(0, rows * columns / 4).Fill(0x55);
        data[0] = 0x92;                                          // README: elements 0, 32, 64, 96 = +1, 0, −1, +1
        data[64 + 32 + 5] = 0 << 6 | 1 << 4 | 1 << 2 | 2;        // row 1, block 1, p = 5: element 128 + 5 = −1, 128 + 101 = +1
        data[31] = 0x55 & ~0x03 | 0;                             // row 0, element 31 + 96 = 127 = −1
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(rows * columns / 4), 0.02587890625f);

        using var m = I2SWeights.Decode("t", rows, columns, data);
        var row0 = new sbyte[columns];
        row0[0] = 1; row0[64] = -1; row0[96] = 1; row0[127] = -1;
        var row1 = new sbyte[columns];
        row1[133] = -1; row1[229] = 1;
        AssertRow(row0, m, 0);
        AssertRow(row1, m, 1);
        Assert.Equal(0.02587890625f, m.Scale);
        Assert.Null(m.BlockScales);
    }

    [Theory]
    [InlineData(1, 128)]
    [InlineData(3, 384)]
    [InlineData(2, 640)]
    public void I2S_RandomTensors_RoundTrip(int rows, int columns)
    {
        var trits = RandomTrits(rows, columns, seed: rows * columns);
        using var m = I2SWeights.Decode("t", rows, columns, I2S(trits, 0.75f));
        AssertEqual(trits, m);
        Assert.Equal(0.75f, m.Scale);
    }

    [Fact]
    public void I2S_ZeroScale_IsAccepted()
    {
        using var m = I2SWeights.Decode("t", 1, 128, I2S(Zeros(1, 128), 0f));
        Assert.Equal(0f, m.Scale);
    }

    internal static void AssertEqual(sbyte[,] expected, PackedTernaryMatrix m)
    {
        Assert.Equal(expected.GetLength(0), m.Rows);
        Assert.Equal(expected.GetLength(1), m.Columns);
        for (var r = 0; r < m.Rows; r++) AssertRowEqual(expected, m, r);
    }

    private static void AssertRowEqual(sbyte[,] expected, PackedTernaryMatrix m, int r)
    {
        for (var k = 0; k < m.Columns; k++)
            if (expected[r, k] != m[r, k])
                Assert.Fail($"({r}, {k}): expected {expected[r, k]}, decoded {m[r, k]}.");
    }

    private static void AssertRow(sbyte[] expected, PackedTernaryMatrix m, int r)
    {
        for (var k = 0; k < m.Columns; k++)
            if (expected[k] != m[r, k])
                Assert.Fail($"({r}, {k}): expected {expected[k]}, decoded {m[r, k]}.");
    }
}
