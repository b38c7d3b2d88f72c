using System.Text;
using BitNet.Runtime.Tokenization;

namespace BitNet.Runtime.Tests.Tokenization;

/// <summary>
/// Byte-level BPE from GGUF metadata (<c>tokenizer.ggml.model = gpt2</c>), checked against Microsoft.ML.Tokenizers' own
/// cl100k_base tokenizer on a GGUF vocabulary built from the same ranks (<see cref="Cl100kGguf"/>).
/// </summary>
public sealed class ByteLevelBpeTokenizerTests
{
    private static BitNetTokenizer Tokenizer => Cl100kGguf.Tokenizer;

    public static readonly string[] EdgeCases =
    [
        "",
        " ",
        "a",
        "Hello, world!",
        "😀🎉👍🏽 family: 👨‍👩‍👧 flag: 🇫🇷 dragon 🐉",
        "中文字符测试，日本語のテキスト、한국어 텍스트",
        "café naïve résumé Ærøskøbing e\u0301 ñ ü ß Ωμέγα",
        "tab\there\r\nCRLF\u0001\u0007\u001b\u007f ctrl\0nul",
        "a" + new string(' ', 50) + "b\n\n\n   \n  x",
        new string(' ', 1000),
        "\n\n\n\n",
        " \n \t \r\n ",
        "  leading and trailing   ",
        "1234567890 3.14159 1,000,000 007 12345678901234567890",
        "I'm don't they'll we've she'd YOU'RE IT'S Y'ALL 'tis",
        "\u00a0nbsp\u2003em\u3000ideographic\u2028line\u2029para",
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "<|eot_id|> <|begin_of_text|> <s> look like special tokens but are text",
        "def f(x):\n    return x**2  # comment\n\tpass\n",
        "https://example.com/path?q=1&r=%20#frag",
        "\u0600\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd \u0928\u092e\u0938\u094d\u0924\u0947 \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
    ];

    public static IEnumerable<object[]> EdgeCaseRows() => EdgeCases.Select((_, i) => new object[] { i });

    private static int[] Reference(string text) => [.. Cl100kGguf.Tiktoken.EncodeToIds(text, considerPreTokenization: true, considerNormalization: true)];

    [Fact]
    public void Every_held_out_story_gives_tiktokens_ids_and_round_trips()
    {
        var tokens = 0;
        foreach (var story in TokenizerTestData.Stories)
        {
            var ids = Tokenizer.Encode(story, addBos: false);
            Assert.Equal(Reference(story), ids);
            Assert.Equal(story, Tokenizer.Decode(ids));
            tokens += ids.Length;
        }
        Assert.True(tokens > 30_000, $"only {tokens} tokens");
    }

    [Fact]
    public void The_whole_held_out_file_gives_tiktokens_ids()
    {
        var text = string.Join("\n\n", TokenizerTestData.Stories);
        var ids = Tokenizer.Encode(text, addBos: false);
        Assert.Equal(Reference(text), ids);
        Assert.Equal(text, Tokenizer.Decode(ids));
    }

    [Theory]
    [MemberData(nameof(EdgeCaseRows))]
    public void Edge_cases_give_tiktokens_ids_and_round_trip(int index)
    {
        var text = EdgeCases[index];
        var ids = Tokenizer.Encode(text, addBos: false);
        Assert.Equal(Reference(text), ids);
        Assert.Equal(text, Tokenizer.Decode(ids));
        Assert.Equal(Tokenizer.CountTokens(text, addBos: false), ids.Length);
    }

    [Fact]
    public void Special_token_text_in_the_input_is_ordinary_text()
    {
        var ids = Tokenizer.Encode("<|eot_id|><|begin_of_text|>", addBos: false);
        Assert.DoesNotContain(Cl100kGguf.EndOfTurn, ids);
        Assert.DoesNotContain(Cl100kGguf.BeginOfText, ids);
        Assert.All(ids, id => Assert.True(id < Cl100kGguf.RankedCount));
        Assert.Equal(Reference("<|eot_id|><|begin_of_text|>"), ids);
    }

    [Fact]
    public void Every_ranked_token_encodes_as_itself_like_tiktoken()
    {
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var checkedTokens = 0;
        for (var id = 0; id < Cl100kGguf.RankedCount; id++)
        {
            var bytes = ByteLevelAlphabet.TryDecode(Cl100kGguf.Tokens[id])!;
            string text;
            try { text = strict.GetString(bytes); }
            catch (DecoderFallbackException) { continue; }   // a partial UTF-8 sequence is not a text
            if (text.Contains("<|endoftext|>", StringComparison.Ordinal)) continue;   // tiktoken's special token
            var ids = Tokenizer.Encode(text, addBos: false);
            Assert.Equal(Reference(text), ids);
            checkedTokens++;
        }
        Assert.True(checkedTokens > 99_000, $"{checkedTokens} tokens checked");
    }

    [Fact]
    public void Bos_is_prepended_per_add_bos_token_also_for_the_empty_text()
    {
        Assert.Equal([Cl100kGguf.BeginOfText], Tokenizer.Encode(""));
        Assert.Equal([], Tokenizer.Encode("", addBos: false));
        Assert.Equal([Cl100kGguf.BeginOfText, .. Reference("Hi there")], Tokenizer.Encode("Hi there"));
        Assert.Equal("Hi there", Tokenizer.Decode(Tokenizer.Encode("Hi there")));
        Assert.True(Tokenizer.AddBos);
    }

    [Fact]
    public void Special_ids_are_found_by_text_when_their_keys_are_missing()
    {
        using var file = Cl100kGguf.Gguf("cl100k").Remove("tokenizer.ggml.bos_token_id").Remove("tokenizer.ggml.eos_token_id").Load();
        var tokenizer = BitNetTokenizer.FromGguf(file);
        Assert.Equal(Cl100kGguf.BeginOfText, tokenizer.BosId);
        Assert.Equal(Cl100kGguf.EndOfText, tokenizer.EosId);
        Assert.Equal(-1, tokenizer.UnknownId);
        Assert.Equal(Cl100kGguf.EndOfTurn, tokenizer.FindPiece("<|eot_id|>"));
        Assert.Equal(-1, tokenizer.FindPiece("<|no_such_token|>"));
        Assert.True(tokenizer.IsControl(Cl100kGguf.EndOfTurn));
        Assert.False(tokenizer.IsControl(100));
        Assert.Equal("Ġtime", tokenizer.GetPieceText(tokenizer.Encode(" time", addBos: false).Single()));
    }

    [Fact]
    public void End_of_turn_tokens_end_generation()
    {
        Assert.Contains(Cl100kGguf.EndOfText, Tokenizer.EndOfGenerationIds);
        Assert.Contains(Cl100kGguf.EndOfTurn, Tokenizer.EndOfGenerationIds);
        Assert.Contains(Cl100kGguf.EndOfMessage, Tokenizer.EndOfGenerationIds);
        Assert.True(Tokenizer.IsEndOfGeneration(Cl100kGguf.EndOfTurn));
        Assert.False(Tokenizer.IsEndOfGeneration(Cl100kGguf.StartHeader));
        Assert.False(Tokenizer.IsEndOfGeneration(Cl100kGguf.BeginOfText));
    }

    [Fact]
    public void Control_tokens_decode_to_nothing()
    {
        int[] ids = [Cl100kGguf.BeginOfText, .. Reference("Hello"), Cl100kGguf.EndOfTurn, .. Reference(" world"), Cl100kGguf.EndOfText];
        Assert.Equal("Hello world", Tokenizer.Decode(ids));
    }

    [Fact]
    public void The_llama3_pre_tokenizer_is_the_default()
    {
        Assert.Equal("cl100k", Tokenizer.PreTokenizer);
        Assert.Equal("llama3", Cl100kGguf.Create(pre: null).PreTokenizer);
        Assert.Equal("llama3", Cl100kGguf.Create("llama-bpe").PreTokenizer);
        Assert.Equal("llama3", Cl100kGguf.Create("llama3").PreTokenizer);
        Assert.Equal("gpt2", Cl100kGguf.Create("gpt-2").PreTokenizer);
        Assert.Null(TokenizerTestData.FromGguf.PreTokenizer);
    }

    [Fact]
    public void The_llama3_and_cl100k_expressions_split_every_text_alike()
    {
        var llama3 = Cl100kGguf.Create(pre: null);
        foreach (var text in EdgeCases.Concat(TokenizerTestData.Stories.Take(40)))
            Assert.Equal(Tokenizer.Encode(text), llama3.Encode(text));
    }

    [Fact]
    public void The_gpt2_expression_splits_differently()
    {
        var gpt2 = Cl100kGguf.Create("gpt-2");
        // GPT-2's contractions are case-sensitive: "'LL" is punctuation then letters, where cl100k keeps "'LL" whole.
        const string text = "YOU'LL SEE, I'M SURE";
        Assert.NotEqual(Tokenizer.Encode(text, addBos: false), gpt2.Encode(text, addBos: false));
        Assert.Equal(text, gpt2.Decode(gpt2.Encode(text)));
    }

    [Fact]
    public void An_unknown_pre_tokenizer_is_refused_by_name()
    {
        using var file = Cl100kGguf.Gguf("qwen2").Load();
        var e = Assert.Throws<NotSupportedException>(() => BitNetTokenizer.FromGguf(file));
        Assert.Contains("qwen2", e.Message, StringComparison.Ordinal);
        Assert.Contains("llama-bpe", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Streaming_holds_back_a_character_split_across_tokens()
    {
        // Rare characters are split into byte tokens that are not whole UTF-8 sequences on their own.
        const string text = "🐉龘𠀀ꙮ";
        var ids = Tokenizer.Encode(text, addBos: false);
        Assert.True(ids.Length > text.Length / 2, "expected several tokens per character");
        var partial = ids.Count(id => Tokenizer.Decode([id]).Contains('\uFFFD', StringComparison.Ordinal));
        Assert.True(partial > 0, "expected tokens holding part of a character");

        var detokenizer = Tokenizer.CreateStreamingDetokenizer(atBeginningOfText: false);
        var streamed = new StringBuilder();
        foreach (var id in ids)
        {
            var piece = detokenizer.Append(id);
            Assert.DoesNotContain('\uFFFD', piece);
            streamed.Append(piece);
        }
        Assert.False(detokenizer.HasPendingBytes);
        Assert.Equal("", detokenizer.Flush());
        Assert.Equal(text, streamed.ToString());
    }

    [Fact]
    public void Streaming_every_story_and_edge_case_reproduces_Decode()
    {
        var detokenizer = Tokenizer.CreateStreamingDetokenizer();
        foreach (var text in EdgeCases.Concat(TokenizerTestData.Stories))
        {
            detokenizer.Reset();
            var ids = Tokenizer.Encode(text);
            var streamed = new StringBuilder();
            foreach (var id in ids) streamed.Append(detokenizer.Append(id));
            streamed.Append(detokenizer.Flush());
            Assert.Equal(text, streamed.ToString());
        }
    }

    [Fact]
    public void An_unfinished_character_at_the_end_becomes_replacement_characters()
    {
        var ids = Tokenizer.Encode("🐉", addBos: false);
        var detokenizer = Tokenizer.CreateStreamingDetokenizer();
        var text = string.Concat(ids[..^1].Select(detokenizer.Append));
        Assert.Equal("", text);
        Assert.True(detokenizer.HasPendingBytes);
        Assert.Equal(Tokenizer.Decode(ids[..^1]), detokenizer.Flush());
        Assert.Contains('\uFFFD', Tokenizer.Decode(ids[..^1]));
    }

    [Fact]
    public void Inner_is_a_byte_level_BpeTokenizer_that_agrees_on_ordinary_text()
    {
        var inner = Assert.IsType<Microsoft.ML.Tokenizers.BpeTokenizer>(Tokenizer.Inner);
        Assert.True(inner.ByteLevel);
        var story = TokenizerTestData.Stories[0];
        Assert.Equal(Tokenizer.Encode(story, addBos: false), inner.EncodeToIds(story));
    }
}
