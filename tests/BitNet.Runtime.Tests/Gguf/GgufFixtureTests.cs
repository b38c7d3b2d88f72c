using BitNet.Runtime.Gguf;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Gguf;

/// <summary>
/// The peer fixtures (shared/fixtures/tinystories-bitnet, see its README) parse: TQ1_0, TQ2_0, I2_S (type id 36,
/// bitnet.cpp's fork) and the architecture-renamed variants.
/// </summary>
public sealed class GgufFixtureTests
{
    public static TheoryData<string, string, GgufTensorType, int> Fixtures => new()
    {
        { "tinystories-bitnet-4m-tq2_0.gguf", "bitnet", GgufTensorType.TQ2_0, 37 },
        { "tinystories-bitnet-4m-tq1_0.gguf", "bitnet", GgufTensorType.TQ1_0, 36 },
        { "tinystories-bitnet-4m-i2_s.gguf", "bitnet", GgufTensorType.I2_S, 40 },
        { "tinystories-bitnet-4m-i2_s-bitnet-b1.58.gguf", "bitnet-b1.58", GgufTensorType.I2_S, 40 },
        { "tinystories-bitnet-4m-f16-bitnet25.gguf", "bitnet-25", GgufTensorType.F16, 1 },
    };

    private static readonly string[] s_projections = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixture_parses_with_the_expected_types_sizes_and_contiguous_offsets(string fileName, string architecture, GgufTensorType projectionType, int fileType)
    {
        var path = SharedData.File("fixtures", "tinystories-bitnet", fileName);
        using var file = GgufFile.Open(path);
        Assert.Equal(3u, file.Version);
        Assert.Equal(32, file.Alignment);
        Assert.Equal(architecture, file.Architecture);
        Assert.Equal(fileType, file.Metadata.GetInt32("general.file_type"));
        Assert.Equal(5, file.Metadata.GetInt32($"{architecture}.block_count"));
        Assert.Equal(28, file.Metadata.Count);
        Assert.Equal(57, file.Tensors.Count);

        var expected = GgufShippedModelTests.ExpectedTensors();
        long next = 0;
        foreach (var t in file.Tensors)
        {
            var e = expected[t.Name];
            Assert.Equal(e.Dims, t.Dimensions);
            var isProjection = s_projections.Any(p => t.Name.EndsWith($".{p}.weight", StringComparison.Ordinal));
            Assert.Equal(isProjection ? projectionType : e.Type, t.Type);
            var expectedSize = t.Type switch
            {
                GgufTensorType.F32 => t.ElementCount * 4,
                GgufTensorType.F16 => t.ElementCount * 2,
                GgufTensorType.TQ2_0 => t.ElementCount / 256 * 66,
                GgufTensorType.TQ1_0 => t.ElementCount / 256 * 54,
                GgufTensorType.I2_S => t.ElementCount / 4 + 32, // packed codes + 32-byte tail with the f32 scale
                _ => throw new InvalidOperationException(t.Type.ToString()),
            };
            Assert.Equal(expectedSize, t.ByteSize);
            // Both writers (ggml's and the fork's) lay tensors out back to back, padded to 32.
            Assert.Equal(next, t.RelativeOffset);
            next = (t.RelativeOffset + t.ByteSize + 31) / 32 * 32;
            Assert.Equal(t.ByteSize, file.GetTensorBytes(t).Length);
        }
        Assert.Equal(file.Length, file.DataStart + next);
    }

    [Fact]
    public void Fixture_embeddings_and_norms_are_byte_identical_to_the_shipped_model()
    {
        using var model = GgufFile.Open(GgufShippedModelTests.ModelPath);
        using var i2s = GgufFile.Open(SharedData.File("fixtures", "tinystories-bitnet", "tinystories-bitnet-4m-i2_s.gguf"));
        foreach (var name in new[] { "token_embd.weight", "output_norm.weight", "blk.3.ffn_sub_norm.weight" })
            Assert.True(model.GetTensorBytes(model.GetTensor(name)).SequenceEqual(i2s.GetTensorBytes(i2s.GetTensor(name))), name);

        // The I2_S scale is the f32 right after the packed codes (README: blk.0.attn_q scale = 0.02587891).
        var q = i2s.GetTensor("blk.0.attn_q.weight");
        var scale = BitConverter.ToSingle(i2s.GetTensorBytes(q).Slice((int)(q.ElementCount / 4), 4));
        Assert.Equal(0.02587891f, scale, 1e-7f);
    }

    [Fact]
    public void Type_36_is_rejected_outside_bitnet_cpp_architectures()
    {
        foreach (var architecture in new[] { "llama", "BitNet", "" })
        {
            var w = new GgufTestWriter().Add("general.architecture", architecture);
            w.AddTensor("w", 36u, [128, 1], new byte[128 / 4 + 32]);
            var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Load(w.Build()));
            Assert.Equal("tensor 'w'.type", ex.Field);
            Assert.Contains("36", ex.Problem, StringComparison.Ordinal);
            Assert.Contains("bitnet", ex.Problem, StringComparison.Ordinal);
            Assert.Contains($"'{architecture}'", ex.Problem, StringComparison.Ordinal);
        }

        // No architecture key at all.
        var none = new GgufTestWriter().AddTensor("w", 36u, [128, 1], new byte[128 / 4 + 32]);
        var noArch = Assert.Throws<GgufFormatException>(() => GgufFile.Load(none.Build()));
        Assert.Equal("tensor 'w'.type", noArch.Field);
        Assert.Contains("(none)", noArch.Problem, StringComparison.Ordinal);

        // general.architecture that is not a string does not count as bitnet either.
        var notString = new GgufTestWriter().Add("general.architecture", GgufValueType.UInt32, 1u).AddTensor("w", 36u, [128, 1], new byte[64]);
        Assert.Equal("tensor 'w'.type", Assert.Throws<GgufFormatException>(() => GgufFile.Load(notString.Build())).Field);
    }

    [Theory]
    [InlineData("bitnet")]
    [InlineData("bitnet-b1.58")]
    [InlineData("bitnet-25")]
    public void Type_36_is_I2_S_in_bitnet_cpp_architectures(string architecture)
    {
        var w = new GgufTestWriter().Add("general.architecture", architecture);
        var data = new byte[256 * 2 / 4 + 32];
        BitConverter.TryWriteBytes(data.AsSpan(256 * 2 / 4), 0.5f);
        w.AddTensor("w", 36u, [256, 2], data);
        w.AddTensor("after", GgufTensorType.F32, [8], GgufTestWriter.Floats(1, 2, 3, 4, 5, 6, 7, 8));
        using var file = GgufFile.Load(w.Build());
        var t = file.GetTensor("w");
        Assert.Equal(GgufTensorType.I2_S, t.Type);
        Assert.Equal(256 * 2 / 4 + 32, t.ByteSize);
        Assert.Equal(160, file.GetTensor("after").RelativeOffset);
        Assert.Equal([1f, 2, 3, 4, 5, 6, 7, 8], file.GetTensorData<float>(file.GetTensor("after")).ToArray());
    }

    [Fact]
    public void Type_39_is_TL2_in_bitnet_cpp_files_and_is_refused_there()
    {
        // bitnet.cpp's fork uses 39 for TL2, a kernel-specific layout; upstream uses it for MXFP4.
        var bitnet = new GgufTestWriter().Add("general.architecture", "bitnet").AddTensor("w", 39u, [32, 1], new byte[17]);
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Load(bitnet.Build()));
        Assert.Equal("tensor 'w'.type", ex.Field);
        Assert.Contains("TL2", ex.Problem, StringComparison.Ordinal);

        var llama = new GgufTestWriter().Add("general.architecture", "llama").AddTensor("w", 39u, [32, 1], new byte[17]);
        using var file = GgufFile.Load(llama.Build());
        Assert.Equal(GgufTensorType.MXFP4, file.Tensors[0].Type);
        Assert.Equal(17, file.Tensors[0].ByteSize);
    }
}
