using BitNet.Runtime.Gguf;
using BitNet.Runtime.Tokenization;

namespace BitNet.Runtime.Tests.Tokenization;

/// <summary>Hostile or inconsistent byte-level vocabularies are refused with errors naming the key and the entry.</summary>
public sealed class ByteLevelVocabularyTests
{
    /// <summary>256 byte tokens, "ab", "Ġa", "Ġab", then two control tokens.</summary>
    private static TokenizerTestGguf Small(Func<List<string>, List<string>>? tokens = null, Func<List<string>, List<string>>? merges = null)
    {
        var tokenList = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.ToChar((byte)b).ToString()).ToList();
        tokenList.AddRange(["ab", "Ġa", "Ġab", "<|begin_of_text|>", "<|eot_id|>"]);
        tokenList = tokens?.Invoke(tokenList) ?? tokenList;
        var mergeList = new List<string> { "a b", "Ġ a", "Ġa b" };
        mergeList = merges?.Invoke(mergeList) ?? mergeList;
        var types = tokenList.Select(t => t.StartsWith("<|", StringComparison.Ordinal) ? 3 : 1).ToArray();
        return new TokenizerTestGguf()
            .Set("tokenizer.ggml.model", "gpt2")
            .Set("tokenizer.ggml.pre", "llama-bpe")
            .Set("tokenizer.ggml.tokens", tokenList.ToArray())
            .Set("tokenizer.ggml.token_type", types)
            .Set("tokenizer.ggml.merges", mergeList.ToArray());
    }

    private static GgufFormatException Refused(TokenizerTestGguf gguf, string key, string fragment)
    {
        using var file = gguf.Load();
        var e = Assert.Throws<GgufFormatException>(() => BitNetTokenizer.FromGguf(file));
        Assert.Equal(key, e.Field);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void A_small_valid_vocabulary_encodes_by_its_merges()
    {
        using var file = Small().Load();
        var tokenizer = BitNetTokenizer.FromGguf(file);
        Assert.Equal(261, tokenizer.VocabularySize);
        Assert.Equal(259, tokenizer.BosId);   // found by text
        Assert.Equal([259, 256, 258], tokenizer.Encode("ab ab"));
        Assert.Equal("ab ab", tokenizer.Decode(tokenizer.Encode("ab ab")));
        Assert.Contains(260, tokenizer.EndOfGenerationIds);
    }

    [Fact]
    public void A_merge_without_exactly_one_space_is_refused() =>
        Refused(Small(merges: m => [.. m, "ab"]), "tokenizer.ggml.merges", "merge 3 'ab'");

    [Fact]
    public void A_merge_with_two_spaces_is_refused() =>
        Refused(Small(merges: m => [.. m, "a b c"]), "tokenizer.ggml.merges", "merge 3");

    [Fact]
    public void A_merge_with_an_empty_side_is_refused() =>
        Refused(Small(merges: m => [" a", .. m]), "tokenizer.ggml.merges", "merge 0");

    [Fact]
    public void A_merge_whose_result_is_not_a_token_is_refused() =>
        Refused(Small(merges: m => [.. m, "b a"]), "tokenizer.ggml.merges", "concatenation");

    [Fact]
    public void A_merge_of_a_control_token_is_refused() =>
        Refused(Small(tokens: t => [.. t, "<|eot_id|>a"], merges: m => [.. m, "<|eot_id|> a"]), "tokenizer.ggml.merges", "ordinary tokens");

    [Fact]
    public void A_missing_byte_token_is_refused() =>
        Refused(Small(tokens: t => [.. t.Select(x => x == "Ā" ? "Āx" : x)]), "tokenizer.ggml.tokens", "byte 0x00");

    [Fact]
    public void A_repeated_token_is_refused() =>
        Refused(Small(tokens: t => [.. t, "ab"]), "tokenizer.ggml.tokens", "repeats token 256");

    [Fact]
    public void An_empty_token_is_refused() =>
        Refused(Small(tokens: t => [.. t, ""]), "tokenizer.ggml.tokens", "empty");

    [Fact]
    public void An_ordinary_token_outside_the_byte_alphabet_is_refused() =>
        Refused(Small(tokens: t => [.. t, "▁the"]), "tokenizer.ggml.tokens", "byte alphabet");

    [Fact]
    public void Token_types_of_another_length_are_refused() =>
        Refused(Small().Set("tokenizer.ggml.token_type", new int[10]), "tokenizer.ggml.token_type", "10 entries");

    [Fact]
    public void An_unknown_token_type_is_refused() =>
        Refused(Small().Set("tokenizer.ggml.token_type", Enumerable.Repeat(9, 261).ToArray()), "tokenizer.ggml.token_type", "unknown type 9");

    [Fact]
    public void Missing_merges_are_refused() =>
        Refused(Small().Remove("tokenizer.ggml.merges"), "tokenizer.ggml.merges", "missing");

    [Fact]
    public void Merges_that_are_not_strings_are_refused() =>
        Refused(Small().Set("tokenizer.ggml.merges", new int[3]), "tokenizer.ggml.merges", "array of strings");

    [Fact]
    public void Missing_tokens_are_refused() =>
        Refused(Small().Remove("tokenizer.ggml.tokens"), "tokenizer.ggml.tokens", "missing");

    [Fact]
    public void A_special_id_outside_the_vocabulary_is_refused() =>
        Refused(Small().Set("tokenizer.ggml.eos_token_id", 5000u), "tokenizer.ggml.eos_token_id", "outside the vocabulary");

    [Fact]
    public void Without_token_types_special_looking_tokens_are_control_tokens()
    {
        using var file = Small().Remove("tokenizer.ggml.token_type").Load();
        var tokenizer = BitNetTokenizer.FromGguf(file);
        Assert.True(tokenizer.IsControl(260));
        Assert.False(tokenizer.IsControl(256));
    }
}
