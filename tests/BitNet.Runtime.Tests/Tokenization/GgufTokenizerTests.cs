using BitNet.Runtime.Gguf;
using BitNet.Runtime.Tokenization;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Tokenization;

public sealed class GgufTokenizerTests
{
    private static TokenizerTestGguf TinyStoriesTokenizerGguf()
    {
        using var source = GgufFile.Open(TokenizerTestData.GgufPath);
        return TokenizerTestGguf.WithTokenizerOf(source);
    }

    [Fact]
    public void A_gguf_holding_only_the_tokenizer_metadata_suffices()
    {
        using var file = TinyStoriesTokenizerGguf().Load();
        var tokenizer = BitNetTokenizer.FromGguf(file);
        Assert.Equal([1, 412, 436, 261, 385], tokenizer.Encode("Once upon a time"));
    }

    [Fact]
    public void An_unknown_tokenizer_model_is_not_supported_with_a_clear_message()
    {
        using var file = TinyStoriesTokenizerGguf().Set("tokenizer.ggml.model", "bert").Load();
        var e = Assert.Throws<NotSupportedException>(() => BitNetTokenizer.FromGguf(file));
        Assert.Contains("'bert'", e.Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.ggml.model", e.Message, StringComparison.Ordinal);
        Assert.Contains("'llama'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'gpt2'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sentencepiece_vocabulary_labelled_gpt2_is_reported_by_key()
    {
        // Its pieces ("▁the", "<0x0A>") are not byte-level text.
        using var file = TinyStoriesTokenizerGguf().Set("tokenizer.ggml.model", "gpt2").Load();
        var e = Assert.Throws<GgufFormatException>(() => BitNetTokenizer.FromGguf(file));
        Assert.Equal("tokenizer.ggml.tokens", e.Field);
    }

    [Fact]
    public void A_gguf_without_a_tokenizer_is_reported_by_key()
    {
        using var file = TinyStoriesTokenizerGguf().Remove("tokenizer.ggml.model").Load();
        var e = Assert.Throws<GgufFormatException>(() => BitNetTokenizer.FromGguf(file));
        Assert.Equal("tokenizer.ggml.model", e.Field);
    }

    [Fact]
    public void Add_bos_token_false_is_honoured()
    {
        using var file = TinyStoriesTokenizerGguf().Set("tokenizer.ggml.add_bos_token", false).Load();
        var tokenizer = BitNetTokenizer.FromGguf(file);
        Assert.False(tokenizer.AddBos);
        Assert.Equal([412, 436, 261, 385], tokenizer.Encode("Once upon a time"));
        Assert.Equal([1, 412, 436, 261, 385], tokenizer.Encode("Once upon a time", addBos: true));
    }

    [Fact]
    public void Add_space_prefix_false_encodes_without_the_dummy_prefix()
    {
        using var file = TinyStoriesTokenizerGguf().Set("tokenizer.ggml.add_space_prefix", false).Load();
        var tokenizer = BitNetTokenizer.FromGguf(file);
        var ids = tokenizer.Encode("Once upon", addBos: false);
        Assert.DoesNotContain("▁", tokenizer.GetPieceText(ids[0]), StringComparison.Ordinal);
        Assert.Equal(TokenizerTestData.FromGguf.Encode("Once upon", addBos: false), tokenizer.Encode(" Once upon", addBos: false));
        Assert.Equal("Once upon", tokenizer.Decode(ids));
        Assert.Equal(" Once upon", tokenizer.Decode(tokenizer.Encode(" Once upon")));
    }

    [Fact]
    public void End_of_turn_pieces_and_keys_join_the_end_of_generation_ids()
    {
        using var source = GgufFile.Open(TokenizerTestData.GgufPath);
        var tokens = source.Metadata.GetArray<string>("tokenizer.ggml.tokens").ToArray();
        var types = source.Metadata["tokenizer.ggml.token_type"].AsInt32Array().ToArray();
        // Turn two rarely used pieces into special end-of-turn pieces.
        tokens[4094] = "<|eot_id|>";
        types[4094] = 3;
        tokens[4095] = "<|im_end|>";
        types[4095] = 4;
        using var file = TokenizerTestGguf.WithTokenizerOf(source)
            .Set("tokenizer.ggml.tokens", tokens)
            .Set("tokenizer.ggml.token_type", types)
            .Set("tokenizer.ggml.eom_token_id", 4093u)
            .Load();
        var tokenizer = BitNetTokenizer.FromGguf(file);
        Assert.Equal([2, 4093, 4094, 4095], tokenizer.EndOfGenerationIds);
        Assert.True(tokenizer.IsControl(4094));
        Assert.Equal("", tokenizer.Decode([4094]));
    }

    [Fact]
    public void Text_that_spells_a_control_piece_is_not_merged_into_it_as_in_SentencePiece()
    {
        using var source = GgufFile.Open(TokenizerTestData.GgufPath);
        var tokens = source.Metadata.GetArray<string>("tokenizer.ggml.tokens").ToArray();
        var scores = source.Metadata.GetArray<float>("tokenizer.ggml.scores").ToArray();
        var types = source.Metadata["tokenizer.ggml.token_type"].AsInt32Array();
        // Give the vocabulary a normal piece "<s", from which "<s" + ">" could form the control piece "<s>".
        tokens[4095] = "<s";
        scores[4095] = 0;
        using var file = TokenizerTestGguf.WithTokenizerOf(source)
            .Set("tokenizer.ggml.tokens", tokens)
            .Set("tokenizer.ggml.scores", scores)
            .Load();

        // Microsoft.ML.Tokenizers on its own merges into the control piece: BOS appears in the middle of the text.
        var tokenizer = BitNetTokenizer.FromGguf(file);
        var inner = (Microsoft.ML.Tokenizers.SentencePieceTokenizer)tokenizer.Inner;
        Assert.Contains(1, inner.EncodeToIds("a<s>b", addBeginningOfSentence: false, addEndOfSentence: false));

        // SentencePiece never merges into reserved pieces; neither does BitNetTokenizer.
        var oracle = new ReferenceSpmTokenizer(tokens, scores, types);
        foreach (var text in new[] { "a<s>b", "<s>", " <s> </s> <unk>", "Once upon a time" })
        {
            var ids = tokenizer.Encode(text, addBos: false);
            Assert.Equal(oracle.Encode(text), ids);
            Assert.DoesNotContain(1, ids);
            Assert.Equal(text, tokenizer.Decode(ids));
        }
        Assert.Equal("<s>", tokenizer.GetPieceText(1));
    }

    [Fact]
    public void User_defined_pieces_are_matched_whole_and_unused_pieces_are_split_again()
    {
        using var source = GgufFile.Open(TokenizerTestData.GgufPath);
        var tokens = source.Metadata.GetArray<string>("tokenizer.ggml.tokens").ToArray();
        var types = source.Metadata["tokenizer.ggml.token_type"].AsInt32Array().ToArray();
        tokens[4095] = "<|user|>";
        types[4095] = 4;     // USER_DEFINED
        types[385] = 5;      // "▁time" becomes UNUSED
        using var file = TokenizerTestGguf.WithTokenizerOf(source)
            .Set("tokenizer.ggml.tokens", tokens)
            .Set("tokenizer.ggml.token_type", types)
            .Load();
        var tokenizer = BitNetTokenizer.FromGguf(file);

        var ids = tokenizer.Encode("Once<|user|>upon a time", addBos: false);
        Assert.Contains(4095, ids);
        Assert.DoesNotContain(385, ids);
        Assert.Equal("Once<|user|>upon a time", tokenizer.Decode(ids));
        Assert.All(ids, id => Assert.False(tokenizer.IsByte(id)));
        Assert.Equal(TokenizerTestData.FromGguf.Encode("Once", addBos: false),
                     ids.TakeWhile(id => id != 4095));
    }

    [Fact]
    public void Inconsistent_tokenizer_arrays_are_reported_by_key()
    {
        using var shortScores = TinyStoriesTokenizerGguf().Set("tokenizer.ggml.scores", new float[10]).Load();
        Assert.Equal("tokenizer.ggml.scores", Assert.Throws<GgufFormatException>(() => BitNetTokenizer.FromGguf(shortScores)).Field);

        using var badBos = TinyStoriesTokenizerGguf().Set("tokenizer.ggml.bos_token_id", 5000u).Load();
        Assert.Equal("tokenizer.ggml.bos_token_id", Assert.Throws<GgufFormatException>(() => BitNetTokenizer.FromGguf(badBos)).Field);
    }

    [Fact]
    public void The_synthesized_model_proto_round_trips_through_the_parser()
    {
        var original = SentencePieceModel.Parse(File.ReadAllBytes(SharedData.File("models", "tinystories-bitnet", "tokenizer.model")), "tokenizer.model");
        Assert.Equal(SentencePieceModel.ModelTypeBpe, original.ModelType);
        Assert.True(original.ByteFallback);
        Assert.True(original.AddDummyPrefix);
        Assert.False(original.RemoveExtraWhitespaces);
        Assert.Equal("identity", original.NormalizerName);
        Assert.Equal(0, original.PrecompiledCharsmapLength);

        var copy = SentencePieceModel.Parse(original.ToProtobuf(), "copy");
        Assert.Equal(original.Pieces, copy.Pieces);
        Assert.Equal(original.Scores, copy.Scores);
        Assert.Equal(original.Types, copy.Types);
        Assert.Equal((original.ModelType, original.ByteFallback, original.UnknownId, original.BosId, original.EosId, original.PadId),
                     (copy.ModelType, copy.ByteFallback, copy.UnknownId, copy.BosId, copy.EosId, copy.PadId));
        Assert.Equal((original.AddDummyPrefix, original.RemoveExtraWhitespaces, original.EscapeWhitespaces, original.UnknownSurface),
                     (copy.AddDummyPrefix, copy.RemoveExtraWhitespaces, copy.EscapeWhitespaces, copy.UnknownSurface));
    }

    [Fact]
    public void A_stream_that_is_not_a_sentencepiece_model_is_rejected()
    {
        Assert.Throws<InvalidDataException>(() => BitNetTokenizer.FromSentencePieceModel(new MemoryStream([0x0A, 0xFF])));
        Assert.Throws<InvalidDataException>(() => BitNetTokenizer.FromSentencePieceModel(new MemoryStream([])));
    }

    [Fact]
    public void A_unigram_model_is_not_supported()
    {
        var model = SentencePieceModel.Parse(File.ReadAllBytes(SharedData.File("models", "tinystories-bitnet", "tokenizer.model")), "tokenizer.model");
        model.ModelType = SentencePieceModel.ModelTypeUnigram;
        var e = Assert.Throws<NotSupportedException>(() => BitNetTokenizer.FromSentencePieceModel(new MemoryStream(model.ToProtobuf())));
        Assert.Contains("UNIGRAM", e.Message, StringComparison.Ordinal);
    }
}
