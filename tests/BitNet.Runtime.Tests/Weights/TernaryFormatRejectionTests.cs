using BitNet.Runtime.Gguf;
using BitNet.Runtime.Tests.Gguf;
using BitNet.Runtime.Weights;
using BitNet.Runtime.Weights.I2S;
using BitNet.Runtime.Weights.TQ1_0;
using BitNet.Runtime.Weights.TQ2_0;
using BitNet.Tests;
using static BitNet.Runtime.Tests.Weights.TernaryBlockImages;

namespace BitNet.Runtime.Tests.Weights;

/// <summary>Corrupt or unsupported weight data fails with an exception that names the tensor, the byte and the problem.</summary>
public sealed class TernaryFormatRejectionTests
{
    private const long DataOffset = 1000;

    [Fact]
    public void I2S_Code3_NamesTensorAndByte()
    {
        var data = I2S(RandomTrits(2, 256, seed: 1), 0.5f);
        var at = 64 + 32 + 5;                     // row 1, block 1, byte 5
        data[at] |= 0x30;                          // bits 5..4 (g = 1) → code 3: column 128 + 32 + 5
        var ex = Assert.Throws<GgufFormatException>(() => I2SWeights.Decode("blk.3.ffn_up.weight", 2, 256, data, DataOffset, "x.gguf"));
        Assert.Equal("blk.3.ffn_up.weight", ex.Field);
        Assert.Equal(DataOffset + at, ex.Offset);
        Assert.Contains("code 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("row 1, column 165", ex.Message, StringComparison.Ordinal);
        Assert.Contains("blk.3.ffn_up.weight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void I2S_Code3_InAFixtureFile_ReportsTheFileOffset()
    {
        var bytes = File.ReadAllBytes(SharedData.File("fixtures", "tinystories-bitnet", "tinystories-bitnet-4m-i2_s.gguf"));
        long dataOffset;
        using (var original = GgufFile.Load(bytes)) dataOffset = original.GetTensor("blk.2.attn_v.weight").DataOffset;
        bytes[dataOffset + 77] = 0xFF;
        using var file = GgufFile.Load(bytes, "corrupt.gguf");
        var ex = Assert.Throws<GgufFormatException>(() => TernaryWeights.Load(file, file.GetTensor("blk.2.attn_v.weight")));
        Assert.Equal("blk.2.attn_v.weight", ex.Field);
        Assert.Equal(dataOffset + 77, ex.Offset);
        Assert.Contains("corrupt.gguf", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(-0.5f)]
    public void I2S_BadScale_IsRejectedAtItsOffset(float scale)
    {
        var data = I2S(RandomTrits(2, 128, seed: 2), scale);
        var ex = Assert.Throws<GgufFormatException>(() => I2SWeights.Decode("w", 2, 128, data, DataOffset));
        Assert.Equal(DataOffset + 2 * 128 / 4, ex.Offset);
        Assert.Contains("scale", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-0.5f)]
    public void Tq_BadBlockScale_IsRejectedAtItsOffset(float bad)
    {
        var trits = RandomTrits(2, 512, seed: 3);
        float[] scales = [0.5f, 0.5f, bad, 0.5f];
        var ex2 = Assert.Throws<GgufFormatException>(() => TQ2_0Weights.Decode("w", 2, 512, Tq2(trits, scales), DataOffset));
        Assert.Equal(DataOffset + 2 * 66 + 64, ex2.Offset);
        var ex1 = Assert.Throws<GgufFormatException>(() => TQ1_0Weights.Decode("w", 2, 512, Tq1(trits, scales), DataOffset));
        Assert.Equal(DataOffset + 2 * 54 + 52, ex1.Offset);
        Assert.Contains("block 2", ex1.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tq2_Code3_NamesTensorAndByte()
    {
        var data = Tq2(RandomTrits(1, 512, seed: 4), [1f, 1f]);
        data[66 + 40] |= 0xC0;
        var ex = Assert.Throws<GgufFormatException>(() => TQ2_0Weights.Decode("w", 1, 512, data, DataOffset));
        Assert.Equal("w", ex.Field);
        Assert.Equal(DataOffset + 66 + 40, ex.Offset);
        Assert.Contains("code 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RowLengthNotAWholeNumberOfBlocks_IsRejected()
    {
        var i2s = Assert.Throws<GgufFormatException>(() => I2SWeights.Decode("w", 1, 192, new byte[192 / 4 + 32]));
        Assert.Contains("128", i2s.Message, StringComparison.Ordinal);
        var tq2 = Assert.Throws<GgufFormatException>(() => TQ2_0Weights.Decode("w", 1, 128, new byte[66]));
        Assert.Contains("256", tq2.Message, StringComparison.Ordinal);
        var tq1 = Assert.Throws<GgufFormatException>(() => TQ1_0Weights.Decode("w", 1, 384, new byte[108]));
        Assert.Contains("256", tq1.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RowLengthNotAWholeNumberOfBlocks_IsAlreadyRejectedByTheGgufReader()
    {
        var bytes = new GgufTestWriter().AddTensor("w", GgufTensorType.TQ2_0, [128, 2], new byte[66]).Build();
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Load(bytes));
        Assert.Contains("256", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedData_IsRejected()
    {
        var data = I2S(RandomTrits(2, 128, seed: 5), 1f);
        Assert.Throws<GgufFormatException>(() => I2SWeights.Decode("w", 2, 128, data.AsSpan(0, 2 * 128 / 4 + 3)));
        Assert.Throws<GgufFormatException>(() => TQ2_0Weights.Decode("w", 2, 256, new byte[131]));
        Assert.Throws<GgufFormatException>(() => TQ1_0Weights.Decode("w", 2, 256, new byte[107]));
    }

    [Fact]
    public void UnsupportedType_IsNamedWithTheSupportedList()
    {
        var bytes = new GgufTestWriter().AddTensor("blk.0.attn_q.weight", GgufTensorType.Q8_0, [256, 2], new byte[8 * 34 * 2]).Build();
        using var file = GgufFile.Load(bytes);
        var ex = Assert.Throws<NotSupportedException>(() => TernaryWeights.Load(file, file.GetTensor("blk.0.attn_q.weight")));
        Assert.Contains("blk.0.attn_q.weight", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Q8_0", ex.Message, StringComparison.Ordinal);
        foreach (var name in new[] { "F32", "F16", "BF16", "I2_S", "TQ1_0", "TQ2_0" })
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.False(TernaryWeights.IsSupported(GgufTensorType.Q8_0));
        Assert.Equal([GgufTensorType.F32, GgufTensorType.F16, GgufTensorType.BF16, GgufTensorType.TQ1_0, GgufTensorType.TQ2_0, GgufTensorType.I2_S],
            TernaryWeights.SupportedTypes);
    }

    [Fact]
    public void FormatLoader_RefusesATensorOfAnotherType()
    {
        var bytes = new GgufTestWriter().AddTensor("w", GgufTensorType.TQ2_0, [256, 1], Tq2(Zeros(1, 256), [1f])).Build();
        using var file = GgufFile.Load(bytes);
        Assert.Throws<ArgumentException>(() => TQ1_0Weights.Load(file, file.GetTensor("w")));
        using var m = TQ2_0Weights.Load(file, file.GetTensor("w"));
        Assert.Equal(1f, m.Scale);
    }

    [Fact]
    public void NonFiniteFloatMaster_IsRejected()
    {
        var values = new float[256];
        values[10] = float.NaN;
        var bytes = new GgufTestWriter().AddTensor("w", GgufTensorType.F32, [256, 1], GgufTestWriter.Floats(values)).Build();
        using var file = GgufFile.Load(bytes);
        var ex = Assert.Throws<GgufFormatException>(() => TernaryWeights.Load(file, file.GetTensor("w")));
        Assert.Equal("w", ex.Field);
    }
}
