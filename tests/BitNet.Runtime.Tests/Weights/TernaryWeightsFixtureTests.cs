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

/// <summary>The packed float path applies exactly <see cref="FloatTensorReader.ReadTernary"/>'s rules.</summary>
public sealed class FloatTernaryWeightsTests
{
    [Fact]
    public void ShippedF16Master_PacksTheSameValuesAsReadTernary()
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

    private static (TernaryMatrix Matrix, PackedTernaryMatrix Packed) AssertSame(GgufFile file, GgufTensorInfo tensor)
    {
        var matrix = FloatTensorReader.ReadTernary(file, tensor);
        var packed = TernaryWeights.Load(file, tensor);
        Assert.Equal(matrix.Scale, packed.Scale);
        Assert.Null(packed.BlockScales);
        Assert.Equal((matrix.Rows, matrix.Columns), (packed.Rows, packed.Columns));
        for (var r = 0; r < matrix.Rows; r++)
            for (var k = 0; k < matrix.Columns; k++)
                if (matrix[r, k] != packed[r, k])
                    Assert.Fail($"{tensor.Name} ({r}, {k}): ReadTernary {matrix[r, k]}, packed {packed[r, k]}.");
        return (matrix, packed);
    }
}
