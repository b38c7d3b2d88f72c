using System.Buffers.Binary;
using BitNet.Runtime.Gguf;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Gguf;

/// <summary>The shipped TinyStories model parses completely and as its model card describes ("GGUF layout").</summary>
public sealed class GgufShippedModelTests
{
    internal static string ModelPath => SharedData.File("models", "tinystories-bitnet", "tinystories-bitnet-4m-f16.gguf");

    private const long ModelLength = 8_119_232;
    private const long ModelDataStart = 97_216;

    /// <summary>Name, dims (ne0 first) and type of every tensor, from MODEL_CARD.md.</summary>
    internal static Dictionary<string, (long[] Dims, GgufTensorType Type)> ExpectedTensors()
    {
        var expected = new Dictionary<string, (long[], GgufTensorType)>
        {
            ["token_embd.weight"] = ([256, 4096], GgufTensorType.F16),
            ["output_norm.weight"] = ([256], GgufTensorType.F32),
        };
        for (var n = 0; n < 5; n++)
        {
            expected[$"blk.{n}.attn_norm.weight"] = ([256], GgufTensorType.F32);
            expected[$"blk.{n}.attn_q.weight"] = ([256, 256], GgufTensorType.F16);
            expected[$"blk.{n}.attn_k.weight"] = ([256, 128], GgufTensorType.F16);
            expected[$"blk.{n}.attn_v.weight"] = ([256, 128], GgufTensorType.F16);
            expected[$"blk.{n}.attn_output.weight"] = ([256, 256], GgufTensorType.F16);
            expected[$"blk.{n}.attn_sub_norm.weight"] = ([256], GgufTensorType.F32);
            expected[$"blk.{n}.ffn_norm.weight"] = ([256], GgufTensorType.F32);
            expected[$"blk.{n}.ffn_gate.weight"] = ([256, 512], GgufTensorType.F16);
            expected[$"blk.{n}.ffn_up.weight"] = ([256, 512], GgufTensorType.F16);
            expected[$"blk.{n}.ffn_down.weight"] = ([512, 256], GgufTensorType.F16);
            expected[$"blk.{n}.ffn_sub_norm.weight"] = ([512], GgufTensorType.F32);
        }
        return expected;
    }

    [Fact]
    public void Header_counts_version_and_data_start_match_the_model_card()
    {
        using var file = GgufFile.Open(ModelPath);
        Assert.Equal(3u, file.Version);
        Assert.Equal(57, file.Tensors.Count);
        Assert.Equal(28, file.Metadata.Count);
        Assert.Equal(32, file.Alignment);
        Assert.Equal(ModelDataStart, file.DataStart);
        Assert.Equal(ModelLength, file.Length);
        Assert.Equal("bitnet", file.Architecture);
        Assert.Equal(ModelPath, file.SourceName);
    }

    [Fact]
    public void Every_tensor_has_the_documented_shape_type_size_and_a_contiguous_offset()
    {
        using var file = GgufFile.Open(ModelPath);
        var expected = ExpectedTensors();
        Assert.Equal(expected.Count, file.Tensors.Count);

        long nextOffset = 0;
        foreach (var t in file.Tensors)
        {
            Assert.True(expected.TryGetValue(t.Name, out var e), $"unexpected tensor {t.Name}");
            Assert.Equal(e.Dims, t.Dimensions);
            Assert.Equal(e.Type, t.Type);
            var elements = e.Dims.Aggregate(1L, (a, b) => a * b);
            Assert.Equal(elements, t.ElementCount);
            Assert.Equal(elements * (e.Type == GgufTensorType.F16 ? 2 : 4), t.ByteSize);
            Assert.Equal(e.Dims[0], t.RowLength);
            Assert.Equal(elements / e.Dims[0], t.RowCount);
            // The exporter writes tensors back to back, each padded to the 32-byte alignment.
            Assert.Equal(nextOffset, t.RelativeOffset);
            Assert.Equal(ModelDataStart + t.RelativeOffset, t.DataOffset);
            nextOffset = (t.RelativeOffset + t.ByteSize + 31) / 32 * 32;
            Assert.Same(t, file.GetTensor(t.Name));
            Assert.True(file.HasTensor(t.Name));
        }
        // The last tensor ends exactly at the end of the file.
        Assert.Equal(ModelLength, ModelDataStart + nextOffset);

        // Spot checks from docs/gguf.md §8.
        Assert.Equal("token_embd.weight", file.Tensors[0].Name);
        Assert.Equal(0, file.Tensors[0].RelativeOffset);
        Assert.Equal(2_097_152, file.GetTensor("blk.0.attn_norm.weight").RelativeOffset);
        Assert.Null(file.FindTensor("output.weight"));
        Assert.False(file.HasTensor("output.weight"));
        var missing = Assert.Throws<GgufFormatException>(() => file.GetTensor("output.weight"));
        Assert.Equal("output.weight", missing.Field);
    }

    [Fact]
    public void Metadata_values_match_the_model_card()
    {
        using var file = GgufFile.Open(ModelPath);
        var m = file.Metadata;
        Assert.Equal("bitnet", m.GetString("general.architecture"));
        Assert.Equal("model", m.GetString("general.type"));
        Assert.Equal("4.0M", m.GetString("general.size_label"));
        Assert.Equal(1, m.GetInt32("general.file_type"));
        Assert.Equal(2, m.GetInt32("general.quantization_version"));
        Assert.Equal(5, m.GetInt32("bitnet.block_count"));
        Assert.Equal(256, m.GetInt32("bitnet.context_length"));
        Assert.Equal(256, m.GetInt32("bitnet.embedding_length"));
        Assert.Equal(512, m.GetInt32("bitnet.feed_forward_length"));
        Assert.Equal(8, m.GetInt32("bitnet.attention.head_count"));
        Assert.Equal(4, m.GetInt32("bitnet.attention.head_count_kv"));
        Assert.Equal(4096, m.GetInt32("bitnet.vocab_size"));
        Assert.Equal(500000.0, m.GetDouble("bitnet.rope.freq_base"));
        Assert.Equal(1e-5f, (float)m.GetDouble("bitnet.attention.layer_norm_rms_epsilon"));
        Assert.Equal(GgufValueType.Float32, m["bitnet.attention.layer_norm_rms_epsilon"].Type);
        Assert.Equal("linear", m.GetString("bitnet.rope.scaling.type"));
        Assert.Equal(1.0, m.GetDouble("bitnet.rope.scaling.factor"));
        Assert.Equal("relu2", m.GetString("bitnet.hidden_activation"));
        Assert.Equal("llama", m.GetString("tokenizer.ggml.model"));
        Assert.Equal("default", m.GetString("tokenizer.ggml.pre"));
        Assert.Equal(1, m.GetInt32("tokenizer.ggml.bos_token_id"));
        Assert.Equal(2, m.GetInt32("tokenizer.ggml.eos_token_id"));
        Assert.Equal(0, m.GetInt32("tokenizer.ggml.unknown_token_id"));
        Assert.True(m.GetBooleanOrDefault("tokenizer.ggml.add_bos_token", false));
        Assert.False(m.GetBooleanOrDefault("tokenizer.ggml.add_eos_token", true));
        Assert.False(m.ContainsKey("general.alignment"));
        Assert.False(m.ContainsKey("tokenizer.ggml.add_space_prefix"));

        var tokens = m.GetArray<string>("tokenizer.ggml.tokens");
        var scores = m.GetArray<float>("tokenizer.ggml.scores");
        var types = m.GetArray<int>("tokenizer.ggml.token_type");
        Assert.Equal(4096, tokens.Length);
        Assert.Equal(4096, scores.Length);
        Assert.Equal(4096, types.Length);
        Assert.Equal(["<unk>", "<s>", "</s>"], tokens[..3]);
        Assert.Equal([2, 3, 3], types[..3]);
        Assert.Equal(GgufValueType.String, m["tokenizer.ggml.tokens"].ElementType);
        Assert.Equal(4096, m["tokenizer.ggml.tokens"].Count);
        Assert.Equal(256, tokens.Count(t => t.StartsWith("<0x", StringComparison.Ordinal) && t.Length == 6));

        // Key order is the file's, and offsets point after the type tag (independently found: block_count's value at 238).
        Assert.Equal("general.architecture", m.Values[0].Key);
        Assert.Equal("tokenizer.ggml.add_eos_token", m.Values[27].Key);
        Assert.Equal(238, m["bitnet.block_count"].Offset);
        Assert.Equal(28, m.Keys.Count());
    }

    [Fact]
    public void Tensor_views_are_zero_copy_and_equal_the_bytes_in_the_file()
    {
        using var file = GgufFile.Open(ModelPath);
        using var stream = new FileStream(ModelPath, FileMode.Open, FileAccess.Read, FileShare.Read);

        // F16 embedding: the first 1024 and the last 16 values.
        var embd = file.GetTensor("token_embd.weight");
        var halves = file.GetTensorData<Half>(embd);
        Assert.Equal(256 * 4096, halves.Length);
        var head = ReadAt(stream, embd.DataOffset, 2048);
        for (var i = 0; i < 1024; i++)
            Assert.Equal(BinaryPrimitives.ReadHalfLittleEndian(head.AsSpan(i * 2)), halves[i]);
        var tail = ReadAt(stream, embd.DataOffset + embd.ByteSize - 32, 32);
        for (var i = 0; i < 16; i++)
            Assert.Equal(BinaryPrimitives.ReadHalfLittleEndian(tail.AsSpan(i * 2)), halves[halves.Length - 16 + i]);
        Assert.Contains(halves[..1024].ToArray(), h => h != Half.Zero);

        // F32 norms: every value.
        foreach (var name in new[] { "output_norm.weight", "blk.0.attn_norm.weight", "blk.4.ffn_sub_norm.weight" })
        {
            var t = file.GetTensor(name);
            var floats = file.GetTensorData<float>(t);
            var raw = ReadAt(stream, t.DataOffset, (int)t.ByteSize);
            Assert.Equal(t.ElementCount, floats.Length);
            for (var i = 0; i < floats.Length; i++)
                Assert.Equal(BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(i * 4)), floats[i]);
            Assert.All(floats.ToArray(), f => Assert.True(float.IsFinite(f) && f != 0));
        }

        // Zero-copy: the span points into the mapping, not at a copy.
        unsafe
        {
            fixed (byte* p = file.GetTensorBytes(embd))
                Assert.True(p == file.GetTensorPointer(embd));
        }
    }

    [Fact]
    public void Loading_from_memory_gives_the_same_result_as_mapping_the_file()
    {
        var bytes = File.ReadAllBytes(ModelPath);
        using var mapped = GgufFile.Open(ModelPath);
        using var loaded = GgufFile.Load(bytes, "model-in-memory");
        Assert.Equal("model-in-memory", loaded.SourceName);
        Assert.Equal(mapped.DataStart, loaded.DataStart);
        Assert.Equal(mapped.Metadata.Keys, loaded.Metadata.Keys);
        Assert.Equal(mapped.Tensors.Select(t => (t.Name, t.DataOffset, t.ByteSize)), loaded.Tensors.Select(t => (t.Name, t.DataOffset, t.ByteSize)));
        foreach (var t in mapped.Tensors)
            Assert.True(mapped.GetTensorBytes(t).SequenceEqual(loaded.GetTensorBytes(loaded.GetTensor(t.Name))), t.Name);
    }

    [Fact]
    public void Views_are_refused_for_foreign_tensors_and_after_dispose()
    {
        var bytes = File.ReadAllBytes(ModelPath);
        var a = GgufFile.Load(bytes);
        using var b = GgufFile.Load(bytes);
        var foreign = b.Tensors[0];
        Assert.Throws<ArgumentException>(() => a.GetTensorBytes(foreign));
        var own = a.Tensors[0];
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => a.GetTensorBytes(own));
        a.Dispose(); // idempotent
    }

    internal static byte[] ReadAt(FileStream stream, long offset, int count)
    {
        var buffer = new byte[count];
        stream.Position = offset;
        stream.ReadExactly(buffer);
        return buffer;
    }
}
