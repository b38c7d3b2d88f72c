using BitNet.Runtime.Gguf;
using BitNet.Runtime.Tests.Gguf;
using BitNet.Runtime.Weights;
using BitNet.Runtime.Weights.Float;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Weights;

/// <summary>
/// The peer engines' fixture GGUFs (TQ2_0, TQ1_0, I2_S) load to exactly the ternary weights of the F16 master:
/// sign(W) with the scale max|W|, the same matrix <see cref="TernaryWeights.Load"/> makes from the master itself.
/// </summary>
public sealed class TernaryWeightsFixtureTests
{
    private static readonly string[] s_projections = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"];

    public static TheoryData<string, GgufTensorType> Fixtures => new()
    {
        { "tinystories-bitnet-4m-tq2_0.gguf", GgufTensorType.TQ2_0 },
        { "tinystories-bitnet-4m-tq1_0.gguf", GgufTensorType.TQ1_0 },
        { "tinystories-bitnet-4m-i2_s.gguf", GgufTensorType.I2_S },
        { "tinystories-bitnet-4m-i2_s-bitnet-b1.58.gguf", GgufTensorType.I2_S },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void EveryProjection_IsSignOfTheF16Master_WithScaleMaxAbs(string fileName, GgufTensorType type)
    {
        using var master = GgufFile.Open(TinyModel.Path);
        using var file = GgufFile.Open(SharedData.File("fixtures", "tinystories-bitnet", fileName));

        var ternary = file.Tensors.Where(t => t.Type == type).Select(t => t.Name).ToList();
        var expectedNames = Enumerable.Range(0, 5).SelectMany(i => s_projections.Select(p => $"blk.{i}.{p}.weight")).ToList();
        Assert.Equal(expectedNames.Order(StringComparer.Ordinal), ternary.Order(StringComparer.Ordinal));

        foreach (var name in expectedNames)
        {
            var tensor = file.GetTensor(name);
            var source = master.GetTensor(name);
            Assert.Equal(GgufTensorType.F16, source.Type);
            Assert.Equal(source.Dimensions, tensor.Dimensions);

            using var packed = TernaryWeights.Load(file, tensor);
            using var fromMaster = TernaryWeights.Load(master, source);

            // Independently of the loaders: sign(W) and max|W| of the F16 values.
            var w = FloatTensorReader.ReadAll(master, source);
            var maxAbs = w.Max(MathF.Abs);
            Assert.Equal(maxAbs, packed.Scale);
            Assert.Null(packed.BlockScales);
            var mismatches = 0;
            for (var r = 0; r < packed.Rows; r++)
                for (var k = 0; k < packed.Columns; k++)
                    if (packed[r, k] != MathF.Sign(w[r * packed.Columns + k])) mismatches++;
            Assert.True(mismatches == 0, $"{name}: {mismatches} weights differ from sign(W).");

            // And byte for byte the matrix the master itself loads to.
            Assert.Equal(fromMaster.Scale, packed.Scale);
            Assert.Null(fromMaster.BlockScales);
            Assert.Equal((fromMaster.Rows, fromMaster.Columns), (packed.Rows, packed.Columns));
            for (var r = 0; r < packed.Rows; r++)
                Assert.True(fromMaster.Row(r).SequenceEqual(packed.Row(r)), $"{name}: row {r} differs from the F16 master's.");
        }
    }
}

/// <summary>The packed float path applies exactly <see cref="FloatTensorReader.Ternarize"/>'s rules.</summary>
public sealed class FloatTernaryWeightsTests
{
    [Fact]
    public void ShippedF16Master_PacksTheSameValuesAsTernarize()
    {
        using var file = GgufFile.Open(TinyModel.Path);
        var count = 0;
        foreach (var tensor in file.Tensors)
        {
            if (tensor.Dimensions.Count != 2 || tensor.Name == "token_embd.weight") continue;
            AssertSame(file, tensor).Packed.Dispose();
            count++;
        }
        Assert.Equal(35, count);
    }

    [Fact]
    public void TrueFloatMasters_AreTernarizedByAbsmean_InEveryFloatType()
    {
        var random = new Random(11);
        var values = new float[3 * 300];
        for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * 0.1f;
        var f16 = new byte[values.Length * 2];
        var bf16 = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteHalfLittleEndian(f16.AsSpan(2 * i), (Half)values[i]);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bf16.AsSpan(2 * i), (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
        }
        var bytes = new GgufTestWriter()
            .AddTensor("f32", GgufTensorType.F32, [300, 3], GgufTestWriter.Floats(values))
            .AddTensor("f16", GgufTensorType.F16, [300, 3], f16)
            .AddTensor("bf16", GgufTensorType.BF16, [300, 3], bf16)
            .Build();
        using var file = GgufFile.Load(bytes);
        foreach (var tensor in file.Tensors)
        {
            var (matrix, packed) = AssertSame(file, tensor);
            var raw = FloatTensorReader.ReadAll(file, tensor);
            Assert.Equal(raw.Average(MathF.Abs), packed.Scale, 1e-6f);           // absmean, not max
            Assert.Equal(matrix.Scale, packed.Scale);
            Assert.Equal(512, packed.PaddedColumns);                           // 300 columns pad to two chunks
            packed.Dispose();
        }
    }

    public static TheoryData<string, int> Distributions => new()
    {
        { "ternary", 1001 }, { "ternary", 4096 }, { "ternary-negative-zero", 77 }, { "zeros", 19 }, { "negative-zeros", 64 },
        { "float", 1001 }, { "float", 4096 }, { "ties", 515 }, { "one-off-value", 300 }, { "single", 1 },
    };

    [Theory]
    [MemberData(nameof(Distributions))]
    public void Ternarize_MatchesTheScalarRule(string kind, int length)
    {
        var random = new Random(length);
        var values = new float[length];
        const float s = 0.0258789f;
        for (var i = 0; i < length; i++)
            values[i] = kind switch
            {
                "ternary" => (random.Next(3) - 1) * s,
                "ternary-negative-zero" => random.Next(3) switch { 0 => -s, 1 => -0f, _ => s },
                "zeros" => 0f,
                "negative-zeros" => -0f,
                "ties" => (random.Next(7) - 3) * 0.5f,      // ±0.5, ±1.5 of the mean hit round-half-to-even
                "one-off-value" => i == length - 1 ? s / 2 : (random.Next(3) - 1) * s,
                _ => (float)(random.NextDouble() * 2 - 1),
            };
        var expected = (float[])values.Clone();
        var expectedScale = ScalarRule(expected);
        var scale = FloatTensorReader.Ternarize(values, "w", 0, null);
        Assert.Equal(BitConverter.SingleToInt32Bits(expectedScale), BitConverter.SingleToInt32Bits(scale));
        for (var i = 0; i < length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(values[i]));
    }

    [Theory]
    [InlineData(float.NaN, 3)]
    [InlineData(float.PositiveInfinity, 500)]
    [InlineData(float.NegativeInfinity, 4095)]
    public void Ternarize_RejectsTheFirstNonFiniteValue(float bad, int at)
    {
        var values = new float[4096];
        values[at] = bad;
        var ex = Assert.Throws<GgufFormatException>(() => FloatTensorReader.Ternarize(values, "w", 64, "f.gguf"));
        Assert.Equal(64, ex.Offset);
        Assert.Contains(bad.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    /// <summary>The rule as first written, one value at a time.</summary>
    private static float ScalarRule(float[] values)
    {
        var max = 0f;
        var alreadyTernary = true;
        foreach (var v in values)
        {
            var a = MathF.Abs(v);
            if (a > max)
            {
                if (max != 0) alreadyTernary = false;
                max = a;
            }
            else if (a != 0 && a != max)
            {
                alreadyTernary = false;
            }
        }
        if (alreadyTernary)
        {
            for (var i = 0; i < values.Length; i++) values[i] = MathF.Sign(values[i]);
            return max;
        }
        var scale = System.Numerics.Tensors.TensorPrimitives.SumOfMagnitudes(values) / values.Length;
        var inverse = scale > 0 ? 1f / scale : 0f;
        for (var i = 0; i < values.Length; i++) values[i] = Math.Clamp(MathF.Round(values[i] * inverse), -1f, 1f);
        return scale;
    }

    private static ((float[] Values, float Scale) Matrix, PackedTernaryMatrix Packed) AssertSame(GgufFile file, GgufTensorInfo tensor)
    {
        var values = FloatTensorReader.ReadTernaryValues(file, tensor, out var scale);
        var packed = TernaryWeights.Load(file, tensor);
        Assert.Equal(scale, packed.Scale);
        Assert.Null(packed.BlockScales);
        var (rows, columns) = ((int)tensor.RowCount, (int)tensor.RowLength);
        Assert.Equal((rows, columns), (packed.Rows, packed.Columns));
        for (var r = 0; r < rows; r++)
            for (var k = 0; k < columns; k++)
                if ((int)values[r * columns + k] != packed[r, k])
                    Assert.Fail($"{tensor.Name} ({r}, {k}): ternarized {values[r * columns + k]}, packed {packed[r, k]}.");
        return ((values, scale), packed);
    }
}
