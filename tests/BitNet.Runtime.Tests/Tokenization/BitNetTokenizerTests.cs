using System.Text;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Tokenization;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Tokenization;

public sealed class BitNetTokenizerTests
{
    private static BitNetTokenizer FromModel => TokenizerTestData.FromModel;
    private static BitNetTokenizer FromGguf => TokenizerTestData.FromGguf;

    [Fact]
    public void Reference_prompts_encode_to_the_reference_ids_from_both_sources()
    {
        var prompts = TokenizerTestData.ReferencePrompts();
        Assert.Equal(5, prompts.Count);
        foreach (var (prompt, expected) in prompts)
        {
            Assert.Equal(expected, FromModel.Encode(prompt));
            Assert.Equal(expected, FromGguf.Encode(prompt));
            Assert.Equal(expected.Length, FromGguf.CountTokens(prompt));
        }
    }

    [Fact]
    public void Once_upon_a_time_has_the_documented_pieces()
    {
        var ids = FromGguf.Encode("Once upon a time");
        Assert.Equal(["<s>", "▁Once", "▁upon", "▁a", "▁time"], ids.Select(FromGguf.GetPieceText));
        Assert.Equal("<0x0A>", FromGguf.GetPieceText(FromGguf.Encode("\n", addBos: false)[^1]));
    }

    [Fact]
    public void Held_out_split_gives_156_stories_with_the_model_cards_byte_count()
    {
        var stories = TokenizerTestData.Stories;
        Assert.Equal(156, stories.Count);
        Assert.Equal(170_658, stories.Sum(s => Encoding.UTF8.GetByteCount(s)));
        Assert.All(stories, s => Assert.False(string.IsNullOrWhiteSpace(s)));
        Assert.DoesNotContain(stories, s => s.Contains("<|endoftext|>", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_held_out_story_encodes_identically_from_tokenizer_model_and_gguf()
    {
        foreach (var story in TokenizerTestData.Stories)
            Assert.Equal(FromModel.Encode(story), FromGguf.Encode(story));
    }

    [Fact]
    public void Held_out_token_count_matches_the_model_cards_evaluation()
    {
        // verify.json scores each story as <s> + text + </s> and counts every predicted token, </s> included:
        // 42,550 = sum over 156 stories of (text tokens + 1).
        var total = TokenizerTestData.Stories.Sum(s => FromGguf.CountTokens(s, addBos: false) + 1);
        Assert.Equal(42_550, total);
    }

    [Fact]
    public void Encoding_matches_an_independent_SentencePiece_BPE_on_held_out_stories_and_edge_cases()
    {
        using var file = GgufFile.Open(TokenizerTestData.GgufPath);
        var oracle = new ReferenceSpmTokenizer(
            file.Metadata.GetArray<string>("tokenizer.ggml.tokens"),
            file.Metadata.GetArray<float>("tokenizer.ggml.scores"),
            file.Metadata["tokenizer.ggml.token_type"].AsInt32Array());

        foreach (var text in TokenizerTestData.Stories.Concat(TokenizerTestData.EdgeCases))
            Assert.Equal(oracle.Encode(text), FromGguf.Encode(text, addBos: false));
    }

    [Fact]
    public void Equal_score_merges_go_to_the_leftmost_pair_as_in_SentencePiece()
    {
        // "oo" can form at two overlapping places in "ooo"; SentencePiece and llama.cpp merge the left one first.
        Assert.Equal(["▁S", "oo", "o"], FromGguf.Encode("Sooo", addBos: false).Select(FromGguf.GetPieceText));
        Assert.Equal(["▁N", "oo", "o", "!"], FromGguf.Encode("Nooo!", addBos: false).Select(FromGguf.GetPieceText));
        Assert.Equal(["▁Z", "zz", "zz", "z"], FromGguf.Encode("Zzzzzz", addBos: false).Select(FromGguf.GetPieceText));

        // Microsoft.ML.Tokenizers 2.0.1 merges the right one first, which is why Encode does not call it.
        var inner = (Microsoft.ML.Tokenizers.SentencePieceTokenizer)FromGguf.Inner;
        Assert.Equal(["▁So", "oo"], inner.EncodeToIds("Sooo", addBeginningOfSentence: false, addEndOfSentence: false).Select(FromGguf.GetPieceText));
    }

    [Fact]
    public void Encoding_matches_the_independent_SentencePiece_BPE_on_random_repetitive_text()
    {
        // Few letters, many repeats: the texts where merge order and ties decide the segmentation.
        using var file = GgufFile.Open(TokenizerTestData.GgufPath);
        var oracle = new ReferenceSpmTokenizer(
            file.Metadata.GetArray<string>("tokenizer.ggml.tokens"),
            file.Metadata.GetArray<float>("tokenizer.ggml.scores"),
            file.Metadata["tokenizer.ggml.token_type"].AsInt32Array());
        var random = new Random(20240601);
        const string alphabet = "aeinostlmSN .!\n你";
        for (var i = 0; i < 300; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 16))
                .Select(_ => new string(alphabet[random.Next(alphabet.Length)], random.Next(1, 5))));
            var ids = FromGguf.Encode(text, addBos: false);
            Assert.Equal(oracle.Encode(text), ids);
            Assert.Equal(text, FromGguf.Decode(ids));
        }
    }

    [Fact]
    public void Decode_of_encode_is_identity_on_every_held_out_story()
    {
        foreach (var story in TokenizerTestData.Stories)
        {
            Assert.Equal(story, FromModel.Decode(FromModel.Encode(story)));
            Assert.Equal(story, FromGguf.Decode(FromGguf.Encode(story)));
        }
    }

    [Theory]
    [MemberData(nameof(TokenizerTestData.EdgeCaseRows), MemberType = typeof(TokenizerTestData))]
    public void Decode_of_encode_is_identity_on_edge_cases(int index)
    {
        var text = TokenizerTestData.EdgeCases[index];
        foreach (var tokenizer in new[] { FromModel, FromGguf })
        {
            var withBos = tokenizer.Encode(text);
            var withoutBos = tokenizer.Encode(text, addBos: false);
            Assert.Equal(text, tokenizer.Decode(withBos));
            Assert.Equal(text, tokenizer.Decode(withoutBos));
            Assert.Equal(FromModel.Encode(text), tokenizer.Encode(text));
            Assert.Equal(withBos.Length, tokenizer.CountTokens(text));
            Assert.Equal(withoutBos.Length, tokenizer.CountTokens(text, addBos: false));
        }
    }

    [Fact]
    public void Bos_is_added_per_add_bos_token_and_can_be_turned_off()
    {
        Assert.True(FromGguf.AddBos);
        Assert.Equal(1, FromGguf.BosId);
        Assert.Equal(2, FromGguf.EosId);
        Assert.Equal(0, FromGguf.UnknownId);
        Assert.Equal(4096, FromGguf.VocabularySize);

        var text = "Once upon a time";
        Assert.Equal(1, FromGguf.Encode(text)[0]);
        Assert.Equal(1, FromGguf.Encode(text, addBos: true)[0]);
        Assert.Equal(FromGguf.Encode(text)[1..], FromGguf.Encode(text, addBos: false));
        Assert.DoesNotContain(1, FromGguf.Encode(text, addBos: false));

        Assert.Equal([1], FromGguf.Encode(""));
        Assert.Empty(FromGguf.Encode("", addBos: false));
        Assert.Equal(1, FromGguf.CountTokens(""));
        Assert.Equal(0, FromGguf.CountTokens("", addBos: false));

        var noBosByDefault = BitNetTokenizer.FromSentencePieceModel(SharedData.File("models", "tinystories-bitnet", "tokenizer.model"), addBos: false);
        Assert.False(noBosByDefault.AddBos);
        Assert.Equal(FromGguf.Encode(text, addBos: false), noBosByDefault.Encode(text));
        Assert.Equal(FromGguf.Encode(text), noBosByDefault.Encode(text, addBos: true));
    }

    [Fact]
    public void Control_pieces_decode_to_nothing_and_end_generation()
    {
        Assert.True(FromGguf.IsControl(1));
        Assert.True(FromGguf.IsControl(2));
        Assert.False(FromGguf.IsControl(0));
        Assert.False(FromGguf.IsControl(412));
        Assert.Equal([2], FromGguf.EndOfGenerationIds);
        Assert.Equal([2], FromModel.EndOfGenerationIds);
        Assert.True(FromGguf.IsEndOfGeneration(2));

        var story = FromGguf.Encode("Once upon a time").Append(2).Prepend(1).ToArray();
        Assert.Equal("Once upon a time", FromGguf.Decode(story));
        Assert.Equal("", FromGguf.Decode([1, 2, 1]));
        Assert.Equal("", FromGguf.Decode([]));
    }

    [Fact]
    public void Decode_follows_SentencePiece_on_sequences_encoding_never_produces()
    {
        var once = PieceId("▁Once");
        var a = PieceId("▁a");
        var x41 = PieceId("<0x41>");

        // Only the first text piece loses its leading space, BOS or not.
        Assert.Equal("Once a", FromGguf.Decode([once, a]));
        Assert.Equal("Once a", FromGguf.Decode([1, once, a]));
        // Text from bytes counts as text: the following piece keeps its space (ML.Tokenizers 2.0.1 would drop it).
        Assert.Equal("A a", FromGguf.Decode([x41, a]));
        // <unk> shows SentencePiece's surface " ⁇ ".
        Assert.Equal(" \u2047  a", FromGguf.Decode([0, a]));
        // Bytes that are not well-formed UTF-8: one U+FFFD per byte, as SentencePiece.
        Assert.Equal("\uFFFD\uFFFDA", FromGguf.Decode([PieceId("<0xE4>"), PieceId("<0xBD>"), x41]));
        Assert.Equal("\uFFFD\uFFFD\uFFFD", FromGguf.Decode([PieceId("<0xF0>"), PieceId("<0x9F>"), PieceId("<0x98>")]));
        Assert.Equal("\uFFFD\uFFFD", FromGguf.Decode([PieceId("<0xED>"), PieceId("<0xA0>")]));   // a surrogate's lead bytes
        Assert.Equal("\uFFFDA", FromGguf.Decode([PieceId("<0xC0>"), x41]));                      // never a lead byte
        Assert.Throws<ArgumentOutOfRangeException>(() => FromGguf.Decode([4096]));
        Assert.Throws<ArgumentOutOfRangeException>(() => FromGguf.Decode([-1]));
    }

    [Fact]
    public void Piece_text_and_types_are_exposed()
    {
        Assert.Equal("<unk>", FromGguf.GetPieceText(0));
        Assert.Equal("<s>", FromGguf.GetPieceText(1));
        Assert.Equal("</s>", FromGguf.GetPieceText(2));
        Assert.Equal("▁time", FromGguf.GetPieceText(385));
        Assert.True(FromGguf.IsByte(PieceId("<0x0A>")));
        Assert.False(FromGguf.IsByte(385));
        Assert.Throws<ArgumentOutOfRangeException>(() => FromGguf.GetPieceText(4096));
        for (var id = 0; id < FromGguf.VocabularySize; id++)
        {
            Assert.Equal(FromModel.GetPieceText(id), FromGguf.GetPieceText(id));
            Assert.Equal(FromModel.IsControl(id), FromGguf.IsControl(id));
        }
    }

    [Fact]
    public void Inner_is_the_ML_Tokenizers_SentencePiece_tokenizer()
    {
        var inner = Assert.IsType<Microsoft.ML.Tokenizers.SentencePieceTokenizer>(FromGguf.Inner);
        Assert.True(inner.ByteFallback);
        Assert.True(inner.AddDummyPrefix);
        Assert.Equal([1, 412, 436, 261, 385], inner.EncodeToIds("Once upon a time"));
    }

    private static int PieceId(string piece)
    {
        for (var id = 0; id < FromGguf.VocabularySize; id++)
            if (FromGguf.GetPieceText(id) == piece) return id;
        throw new KeyNotFoundException(piece);
    }
}
