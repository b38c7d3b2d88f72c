using System.Diagnostics;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Model;
using BitNet.Runtime.Sampling;
using BitNet.Runtime.Synthesis;
using BitNet.Runtime.Tokenization;
using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Tests.Synthesis;

/// <summary>Synthetic models (tiny shape only; 2B4T as header and tensor infos on a sparse file) load, run and are reproducible.</summary>
public sealed class SyntheticModelTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bitnet-synth-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<GgufTensorType> Formats => new() { GgufTensorType.I2_S, GgufTensorType.TQ2_0, GgufTensorType.TQ1_0, GgufTensorType.F16 };

    private string Write(GgufTensorType format, ulong seed = 7, string architecture = "bitnet-25")
    {
        var path = Path.Combine(_directory, $"tiny-{format}-{seed}-{architecture}.gguf");
        new SyntheticModel(new SyntheticModelOptions { Format = format, Seed = seed, Architecture = architecture }).WriteFile(path);
        return path;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void TinyModel_HasTheShippedShapes_AndGenerates(GgufTensorType format)
    {
        var path = Write(format);
        Assert.False(File.Exists(path + ".partial"));
        using var model = BitNetModel.Load(new BitNetModelOptions { ModelPath = path, ContextLength = 32 });

        var shape = SyntheticModelShape.Tiny;
        var c = model.Config;
        Assert.Equal(("bitnet-25", 4096, 256, 5, 8, 4, 512, 256), (c.Architecture, c.VocabularySize, c.EmbeddingLength, c.BlockCount, c.HeadCount, c.KvHeadCount, c.FeedForwardLength, c.ContextLength));
        Assert.Equal((shape.VocabularySize, shape.EmbeddingLength), (c.VocabularySize, c.EmbeddingLength));
        Assert.Equal(500_000f, c.RopeTheta);
        Assert.Equal(1e-5f, c.RmsNormEpsilon);
        Assert.Equal(FeedForwardActivation.ReluSquared, c.Activation);
        Assert.Equal(SyntheticModel.FileType(format), (uint)model.File.Metadata["general.file_type"].AsInt64());
        Assert.Equal(57, model.File.Tensors.Count);
        Assert.Equal(35, model.File.Tensors.Count(t => t.Type == format && t.Name.StartsWith("blk.", StringComparison.Ordinal)));
        Assert.Equal(GgufTensorType.F16, model.File.GetTensor("token_embd.weight").Type);
        Assert.False(model.File.HasTensor("output.weight"));

        foreach (var layer in model.Weights.Layers)
            foreach (var m in layer.Projections)
            {
                Assert.Null(m.BlockScales);
                Assert.InRange(m.Scale, 0.01f, 0.05f);
                Assert.Equal(m.Scale, (float)(Half)m.Scale);
            }

        var prompt = model.Tokenizer.Encode("Once upon a time");
        var generation = new TextGeneration(model, prompt, new GenerationOptions { MaxTokens = 8, Sampling = new SamplingOptions { Temperature = 0 } });
        var tokens = generation.Run().ToList();
        Assert.NotEmpty(tokens);
        Assert.All(tokens, t => Assert.InRange(t.Id, 0, 4095));
    }

    [Fact]
    public void EveryFormatOfOneSeed_IsTheSameModel()
    {
        float[]? reference = null;
        foreach (var format in new[] { GgufTensorType.F16, GgufTensorType.I2_S, GgufTensorType.TQ2_0, GgufTensorType.TQ1_0 })
        {
            using var model = BitNetModel.Load(new BitNetModelOptions { ModelPath = Write(format, seed: 3), ContextLength = 8, Threads = 1 });
            using var session = model.CreateSession();
            var logits = session.Prefill([1, 300, 301, 302]).ToArray();
            Assert.All(logits, v => Assert.True(float.IsFinite(v)));
            if (reference is null) reference = logits;
            else Assert.Equal(reference, logits); // the same packed weights and scales, so bit-identical logits
        }
    }

    [Fact]
    public void SameSeed_GivesIdenticalFiles_AnotherSeedDoesNot()
    {
        var a = File.ReadAllBytes(Write(GgufTensorType.TQ1_0, seed: 11));
        var again = new MemoryStream();
        new SyntheticModel(new SyntheticModelOptions { Format = GgufTensorType.TQ1_0, Seed = 11 }).Write(again);
        Assert.Equal(a, again.ToArray());

        var other = File.ReadAllBytes(Write(GgufTensorType.TQ1_0, seed: 12));
        Assert.Equal(a.Length, other.Length);
        Assert.NotEqual(a, other);
    }

    [Theory]
    [InlineData("bitnet")]
    [InlineData("bitnet-b1.58")]
    public void OtherArchitectures_NameTheirKeys(string architecture)
    {
        using var file = GgufFile.Open(Write(GgufTensorType.I2_S, architecture: architecture));
        Assert.Equal(architecture, file.Architecture);
        Assert.Equal(256, file.Metadata.GetInt32($"{architecture}.embedding_length"));
        Assert.Equal(architecture, BitNetConfig.FromGguf(file).Architecture);
    }

    [Fact]
    public void WeightStatistics_AreAsDocumented()
    {
        using var file = GgufFile.Open(Write(GgufTensorType.I2_S));
        using var m = TernaryWeights.Load(file, file.GetTensor("blk.0.ffn_up.weight"));
        int[] counts = new int[3];
        for (var r = 0; r < m.Rows; r++)
            for (var k = 0; k < m.Columns; k++) counts[m[r, k] + 1]++;
        var total = (double)(m.Rows * m.Columns);
        Assert.All(counts, n => Assert.InRange(n / total, 0.31, 0.36)); // −1, 0, +1 about a third each

        var norm = file.GetTensorData<float>(file.GetTensor("blk.0.ffn_norm.weight"));
        foreach (var v in norm) Assert.InRange(v, 0.9f, 1.1f);
        var embedding = file.GetTensorData<Half>(file.GetTensor("token_embd.weight"));
        double sum = 0, squares = 0;
        foreach (var h in embedding)
        {
            var v = (double)h;
            Assert.InRange(v, -0.035, 0.035);
            sum += v;
            squares += v * v;
        }
        Assert.InRange(Math.Sqrt(squares / embedding.Length - Math.Pow(sum / embedding.Length, 2)), 0.019, 0.021);
    }

    [Fact]
    public void Vocabulary_HasTheSpecialAndBytePieces_AndTokenizes()
    {
        var v = SyntheticVocabulary.Create(128_256);
        Assert.Equal(128_256, v.Pieces.Length);
        Assert.Equal(v.Pieces.Length, v.Pieces.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(["<unk>", "<s>", "</s>", "<0x00>"], v.Pieces[..4]);
        Assert.Equal("<0x0A>", v.Pieces[SyntheticVocabulary.FirstByteId + 10]);
        Assert.Equal("<0xFF>", v.Pieces[SyntheticVocabulary.FirstByteId + 255]);
        Assert.Equal([2, 3, 3, 6], v.Types[..4]);
        Assert.All(v.Types[259..], t => Assert.Equal(1, t));
        Assert.Equal(0f, v.Scores[258]);
        Assert.True(v.Scores[260] < v.Scores[259]);
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticVocabulary.Create(SyntheticVocabulary.MinimumSize - 1));

        using var file = GgufFile.Open(Write(GgufTensorType.TQ2_0));
        var tokenizer = BitNetTokenizer.FromGguf(file);
        Assert.Equal(4096, tokenizer.VocabularySize);
        Assert.Equal((1, 2, true), (tokenizer.BosId, tokenizer.EosId, tokenizer.AddBos));
        foreach (var text in new[] { "Once upon a time, Lily said: \"Hi!\"", "naïve 東京 🙂\n\ttab" })
        {
            var ids = tokenizer.Encode(text);
            Assert.Equal(1, ids[0]);
            Assert.Equal(text, tokenizer.Decode(ids));
        }
    }

    /// <summary>
    /// The full 2B4T file's header and tensor infos, with the data region left as a hole of a sparse file (never written,
    /// so the test takes no gigabyte of disk or time): the reader checks every offset and size against the file length.
    /// </summary>
    [Theory]
    [InlineData(GgufTensorType.I2_S)]
    [InlineData(GgufTensorType.TQ1_0)]
    public void FullSize2B4T_HeaderAndTensorInfos_MatchTheRealModel(GgufTensorType format)
    {
        var model = new SyntheticModel(new SyntheticModelOptions { Shape = SyntheticModelShape.BitNet2B4T, Format = format });
        var path = Path.Combine(_directory, $"2b4t-{format}-header.gguf");
        long total;
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            using var writer = new GgufWriter(stream, leaveOpen: true);
            model.Declare(writer);
            writer.WriteHeader();
            total = writer.TotalLength;
            stream.SetLength(total);
        }

        using var file = GgufFile.Open(path);
        Assert.Equal(total, file.Length);
        // Every 2B4T tensor size is a multiple of 32, so the data section is the tensors back to back.
        Assert.Equal(total, file.DataStart + file.Tensors.Sum(t => t.ByteSize));
        var config = BitNetConfig.FromGguf(file);
        Assert.Equal(("bitnet-25", 128_256, 2560, 30, 20, 5, 6912, 4096), (config.Architecture, config.VocabularySize, config.EmbeddingLength, config.BlockCount, config.HeadCount, config.KvHeadCount, config.FeedForwardLength, config.ContextLength));
        Assert.Equal((500_000f, 1e-5f, FeedForwardActivation.ReluSquared), (config.RopeTheta, config.RmsNormEpsilon, config.Activation));
        Assert.Equal(128, file.Metadata.GetInt32("bitnet-25.rope.dimension_count"));
        Assert.Equal(128_256, file.Metadata.GetInt32("bitnet-25.vocab_size"));

        Assert.Equal(332, file.Tensors.Count);
        Assert.Equal(210, file.Tensors.Count(t => t.Type == format));
        Assert.Equal(121, file.Tensors.Count(t => t.Type == GgufTensorType.F32));
        var embedding = file.GetTensor("token_embd.weight");
        Assert.Equal((GgufTensorType.F16, 656_670_720L), (embedding.Type, embedding.ByteSize));
        Assert.Equal([2560L, 128_256L], embedding.Dimensions);
        Assert.Equal([2560L, 640L], file.GetTensor("blk.29.attn_k.weight").Dimensions);
        Assert.Equal([6912L, 2560L], file.GetTensor("blk.0.ffn_down.weight").Dimensions);
        Assert.Equal([6912L], file.GetTensor("blk.0.ffn_sub_norm.weight").Dimensions);
        if (format == GgufTensorType.I2_S)
        {
            // The byte sizes of the official ggml-model-i2_s.gguf (bitnet-2b4t.md §2).
            Assert.Equal(1_638_432, file.GetTensor("blk.0.attn_q.weight").ByteSize);
            Assert.Equal(409_632, file.GetTensor("blk.0.attn_v.weight").ByteSize);
            Assert.Equal(4_423_712, file.GetTensor("blk.0.ffn_gate.weight").ByteSize);
            Assert.Equal(1_179_449_920L, file.Tensors.Sum(t => t.ByteSize));
        }

        // The full-size vocabulary builds a tokenizer in reasonable time.
        var clock = Stopwatch.StartNew();
        var tokenizer = BitNetTokenizer.FromGguf(file);
        Assert.Equal(128_256, tokenizer.VocabularySize);
        Assert.Equal("Once upon a time", tokenizer.Decode(tokenizer.Encode("Once upon a time")));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"building the 128k tokenizer took {clock.Elapsed}");
    }

    [Fact]
    public void InvalidOptions_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticModel(new SyntheticModelOptions { Format = GgufTensorType.Q4_0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticModel(new SyntheticModelOptions { Architecture = "llama" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticModel(new SyntheticModelOptions { ContextLength = 0 }));
        var odd = SyntheticModelShape.Tiny with { EmbeddingLength = 384, HeadCount = 6, KvHeadCount = 3 };
        Assert.Throws<ArgumentException>(() => new SyntheticModel(new SyntheticModelOptions { Shape = odd, Format = GgufTensorType.TQ2_0 }));
        _ = new SyntheticModel(new SyntheticModelOptions { Shape = odd, Format = GgufTensorType.I2_S }); // 384 = 3 × 128
        Assert.Equal(GgufTensorType.TQ2_0, SyntheticModel.ParseFormat("tq2_0"));
        Assert.Equal(GgufTensorType.I2_S, SyntheticModel.ParseFormat("I2_S"));
        Assert.Null(SyntheticModel.ParseFormat("q4_0"));
        Assert.Equal(SyntheticModelShape.BitNet2B4T, SyntheticModelShape.FromName("2B4T"));
    }
}
