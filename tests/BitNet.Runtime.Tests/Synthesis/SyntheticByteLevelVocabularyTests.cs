using BitNet.Runtime.Chat;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Sampling;
using BitNet.Runtime.Synthesis;
using BitNet.Runtime.Tokenization;

namespace BitNet.Runtime.Tests.Synthesis;

public sealed class SyntheticByteLevelVocabularyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bitnet-synth-bpe-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_2B4T_sized_vocabulary_is_a_valid_BPE_with_Llama3_special_ids()
    {
        var v = SyntheticByteLevelVocabulary.Create(128_256);
        Assert.Equal(128_256, v.Tokens.Length);
        Assert.Equal(v.Tokens.Length, v.Tokens.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal((128_000, 128_001, 128_009), (v.BosId, v.EosId, v.EotId));
        Assert.Equal(["<|begin_of_text|>", "<|end_of_text|>"], v.Tokens[128_000..128_002]);
        Assert.Equal("<|eot_id|>", v.Tokens[128_009]);
        Assert.Equal("<|reserved_special_token_247|>", v.Tokens[^1]);
        Assert.All(v.Types[..128_000], t => Assert.Equal(1, t));
        Assert.All(v.Types[128_000..], t => Assert.Equal(3, t));
        Assert.Equal(ByteLevelAlphabet.ToChar((byte)' ').ToString(), v.Tokens[' ']);

        // Every merge joins two ordinary tokens into an ordinary token; every ordinary token past the bytes is made by one.
        var ids = v.Tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i, StringComparer.Ordinal);
        var made = new HashSet<int>();
        foreach (var merge in v.Merges)
        {
            var parts = merge.Split(' ');
            Assert.Equal(2, parts.Length);
            Assert.True(ids[parts[0]] < 128_000 && ids[parts[1]] < 128_000, merge);
            Assert.True(ids.TryGetValue(parts[0] + parts[1], out var result) && result < 128_000, merge);
            made.Add(result);
        }
        Assert.Equal(128_000 - 256, made.Count);
        Assert.True(v.Merges.Length >= 127_744);
    }

    [Fact]
    public void The_vocabulary_is_deterministic_and_learned_English_pairs()
    {
        var a = SyntheticByteLevelVocabulary.Create(2048);
        var b = SyntheticByteLevelVocabulary.Create(2048);
        Assert.Equal(a.Tokens, b.Tokens);
        Assert.Equal(a.Merges, b.Merges);
        Assert.Contains("Ġthe", a.Tokens);   // trained on the embedded corpus, not only padded
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticByteLevelVocabulary.Create(SyntheticByteLevelVocabulary.MinimumSize - 1));
    }

    [Fact]
    public void A_tiny_model_with_a_byte_level_vocabulary_loads_tokenizes_chats_and_generates()
    {
        var path = Path.Combine(_directory, "tiny-bpe.gguf");
        new SyntheticModel(new SyntheticModelOptions { Vocabulary = SyntheticVocabularyKind.ByteLevel, Seed = 3 }).WriteFile(path);

        using var file = GgufFile.Open(path);
        Assert.Equal("gpt2", file.Metadata.GetString("tokenizer.ggml.model"));
        Assert.Equal("llama-bpe", file.Metadata.GetString("tokenizer.ggml.pre"));
        file.Dispose();

        using var model = BitNetModel.Load(path);
        var tokenizer = model.Tokenizer;
        Assert.Equal((4096, "llama3", 3840, 3841, true), (tokenizer.VocabularySize, tokenizer.PreTokenizer, tokenizer.BosId, tokenizer.EosId, tokenizer.AddBos));
        Assert.Contains(3849, tokenizer.EndOfGenerationIds);   // <|eot_id|>
        foreach (var text in new[] { "Once upon a time, Lily said: \"I'm 12345 years old!\" 😀 café", "中文\n\n\ttabs  and  spaces " })
        {
            var ids = tokenizer.Encode(text);
            Assert.Equal(3840, ids[0]);
            Assert.Equal(text, tokenizer.Decode(ids));
        }

        var template = ChatTemplate.FromGguf(model.File, tokenizer);
        Assert.Same(BitNet2B4TChatTemplate.Instance, template);
        var prompt = template!.Render([new(ChatTurn.User, "Hi")], tokenizer);
        Assert.Equal([3840, .. tokenizer.Encode("User: Hi", addBos: false), 3849, .. tokenizer.Encode("Assistant: ", addBos: false)], prompt);

        var generation = new TextGeneration(model, prompt, new GenerationOptions { MaxTokens = 4, Sampling = new SamplingOptions { Temperature = 0 } });
        Assert.Equal(4, generation.Run().Count());
    }

    /// <summary>The file ik_llama.cpp tokenized (docs/benchmarks.md): its ids for this text, printed by llama-cli --verbose-prompt.</summary>
    [Fact]
    public void The_2B4T_vocabulary_tokenizes_as_ik_llama_cpp_does()
    {
        var path = Path.Combine(_directory, "tokenizer-2b4t.gguf");
        var v = SyntheticByteLevelVocabulary.Create(128_256);
        using (var writer = GgufWriter.Create(path))
        {
            writer.AddString("tokenizer.ggml.model", "gpt2").AddString("tokenizer.ggml.pre", "llama-bpe")
                  .AddArray("tokenizer.ggml.tokens", v.Tokens).AddArray("tokenizer.ggml.token_type", v.Types)
                  .AddArray("tokenizer.ggml.merges", v.Merges).AddUInt32("tokenizer.ggml.bos_token_id", (uint)v.BosId);
            writer.WriteHeader();
            writer.Complete();
        }
        using var file = GgufFile.Open(path);
        var tokenizer = BitNetTokenizer.FromGguf(file);
        int[] ikLlamaCpp =
        [
            128000, 313, 2913, 31325, 330, 258, 350, 285, 44, 337, 8761, 348, 3066, 58, 32, 34, 73, 1370, 32, 49, 50, 51, 52, 53,
            31333, 8516, 1188, 3142, 33, 34, 32, 240, 159, 152, 128, 1192, 2877, 195, 169,
        ];
        Assert.Equal(ikLlamaCpp, tokenizer.Encode("Once upon a time, Lily said: \"I'm 12345 years old!\" 😀 café"));
    }
}
