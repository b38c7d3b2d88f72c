using System.Text;
using System.Text.Json;
using BitNet.Runtime.Constraints;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Synthesis;
using BitNet.Runtime.Tokenization;

namespace BitNet.Tests.Constraints;

/// <summary>
/// The incremental token mask (trie walk, precomputed string tokens, length budget) against a brute-force reference
/// that steps every token's bytes from scratch, on random states of several grammars, for the shipped SentencePiece
/// vocabulary (byte fallback, "▁") and a byte-level BPE vocabulary.
/// </summary>
public sealed class TokenMaskTests
{
    private static readonly Lazy<BitNetTokenizer> s_shipped = new(() =>
    {
        using var file = GgufFile.Open(TinyModel.Path);
        return BitNetTokenizer.FromGguf(file);
    });

    private static readonly Lazy<BitNetTokenizer> s_byteLevel = new(() => SyntheticByteLevelVocabulary.Create(16_384).CreateTokenizer());

    private const string PersonSchema =
        """{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},"tags":{"type":"array","items":{"enum":["a","b c","ü"]},"maxItems":3},"score":{"type":["number","null"]}}}""";

    public static TheoryData<string> Schemas =>
    [
        "true",
        """{"type":"object"}""",
        PersonSchema,
        """{"type":"array","items":{"type":"object","properties":{"ok":{"type":"boolean"},"s":{"type":"string"}}},"minItems":2}""",
    ];

    [Theory]
    [MemberData(nameof(Schemas))]
    public void Mask_equals_brute_force_on_the_shipped_vocabulary(string schema) =>
        CompareOnRandomWalks(s_shipped.Value, JsonGrammar.FromSchema(schema), walks: 6, seed: schema.Length);

    [Theory]
    [MemberData(nameof(Schemas))]
    public void Mask_equals_brute_force_on_a_byte_level_vocabulary(string schema) =>
        CompareOnRandomWalks(s_byteLevel.Value, JsonGrammar.FromSchema(schema), walks: 3, seed: schema.Length);

    [Fact]
    public void Mask_equals_brute_force_for_function_calls()
    {
        var grammar = JsonGrammar.ForFunctionCalls(
        [
            new("get_weather", JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}}}""").RootElement),
            new("get_time", JsonDocument.Parse("""{"type":"object","properties":{"zone":{"enum":["utc","local"]}}}""").RootElement),
        ]);
        CompareOnRandomWalks(s_shipped.Value, grammar, walks: 4, seed: 1);
        CompareOnRandomWalks(s_byteLevel.Value, grammar, walks: 2, seed: 2);
    }

    [Fact]
    public void Byte_fallback_pieces_are_bytes_and_a_split_character_must_be_completed()
    {
        var tokenizer = s_shipped.Value;
        var quote = tokenizer.FindPiece("<0x22>");
        var e2 = tokenizer.FindPiece("<0xE2>");
        var newline = tokenizer.FindPiece("<0x0A>");
        var constraint = (JsonTokenConstraint)JsonGrammar.FromSchema("""{"type":"string"}""").CreateConstraint(tokenizer);

        Assert.True(IsSet(constraint.ComputeAllowed(100), quote));          // '"' opens the string
        Assert.True(IsSet(constraint.ComputeAllowed(100), newline));        // leading whitespace
        constraint.Accept(quote);
        Assert.True(IsSet(constraint.ComputeAllowed(100), e2));             // a lead byte may start a character...
        constraint.Accept(e2);
        var allowed = constraint.ComputeAllowed(100);
        Assert.False(IsSet(allowed, quote));                                // ...which must then be completed
        Assert.True(IsSet(allowed, tokenizer.FindPiece("<0x80>")));
        Assert.False(IsSet(allowed, tokenizer.FindPiece("<0x7F>")));
        Assert.Equal(3, constraint.MinCompletion);                         // two continuation bytes and '"'
    }

    [Fact]
    public void Near_the_limit_only_tokens_that_still_close_the_value_are_allowed()
    {
        var tokenizer = s_byteLevel.Value;
        var grammar = JsonGrammar.FromSchema("""{"type":"object","properties":{"a":{"type":"string"}}}""");
        var constraint = (JsonTokenConstraint)grammar.CreateConstraint(tokenizer);
        foreach (var id in tokenizer.Encode("{\"a\":\"xy", addBos: false)) constraint.Accept(id);
        Assert.Equal(2, constraint.MinCompletion);                          // '"' and '}'
        var tight = constraint.ComputeAllowed(2);                           // this token and one more
        Assert.False(IsSet(tight, tokenizer.Encode("z", addBos: false).Single()));
        Assert.True(IsSet(tight, tokenizer.Encode("\"", addBos: false).Single()));
        Assert.True(IsSet(constraint.ComputeAllowed(3), tokenizer.Encode("z", addBos: false).Single()));
        var logits = new float[tokenizer.VocabularySize];
        Assert.Throws<InvalidOperationException>(() => constraint.MaskLogits(logits, 1));   // cannot close in one token
    }

    [Fact]
    public void Text_or_value_commits_on_the_first_character_that_is_not_whitespace()
    {
        var tokenizer = s_byteLevel.Value;
        var grammar = JsonGrammar.ForFunctionCalls([new("f", JsonDocument.Parse("""{"type":"object","properties":{"x":{"type":"integer"}}}""").RootElement)]);
        int Id(string text) => tokenizer.Encode(text, addBos: false)[0];
        bool Allowed(ITokenConstraint c, int id)
        {
            var logits = new float[tokenizer.VocabularySize];
            c.MaskLogits(logits, 100);
            return logits[id] == 0f;
        }

        var text = grammar.CreateTextOrValueConstraint(tokenizer);
        Assert.True(Allowed(text, Id("Hello")));
        Assert.True(Allowed(text, Id("{")));
        Assert.True(Allowed(text, tokenizer.EosId));
        text.Accept(Id(" "));                                   // still open
        text.Accept(Id("Hello"));                               // text: nothing masked from here on
        Assert.True(Allowed(text, Id("}")));
        Assert.False(text.IsComplete);

        var call = grammar.CreateTextOrValueConstraint(tokenizer);
        call.Accept(Id("{"));                                   // a call: the grammar masks from here on
        Assert.False(Allowed(call, Id("Hello")));
        Assert.True(Allowed(call, Id("\"")));
        foreach (var id in tokenizer.Encode("\"name\":\"f\",\"arguments\":{\"x\":1}}", addBos: false)) call.Accept(id);
        Assert.True(call.IsComplete);
    }

    [Fact]
    public void Masking_and_accepting_allocate_nothing()
    {
        var tokenizer = s_byteLevel.Value;
        var grammar = JsonGrammar.FromSchema(PersonSchema);
        var text = "{\"name\":\"Tom \\u00e9 😀\",\"age\":42,\"tags\":[\"a\",\"ü\"],\"score\":-1.5e3}";
        var ids = tokenizer.Encode(text, addBos: false);
        var logits = new float[tokenizer.VocabularySize];
        var constraint = grammar.CreateConstraint(tokenizer);
        Run(constraint); // warm up: the vocabulary tables are built on first use
        constraint = grammar.CreateConstraint(tokenizer);
        Assert.Equal(0, Allocations.Measure(() => Run(constraint), attempts: 1));
        Assert.True(constraint.IsComplete);

        void Run(ITokenConstraint c)
        {
            foreach (var id in ids)
            {
                c.MaskLogits(logits, 1000);
                c.Accept(id);
            }
        }
    }

    /// <summary>Random walks through the grammar (each step a token the reference allows), comparing the masks at every step.</summary>
    private static void CompareOnRandomWalks(BitNetTokenizer tokenizer, JsonGrammar grammar, int walks, int seed)
    {
        var vocabulary = ConstraintVocabulary.For(tokenizer);
        var random = new Random(seed * 31 + tokenizer.VocabularySize);
        for (var walk = 0; walk < walks; walk++)
        {
            var constraint = (JsonTokenConstraint)grammar.CreateConstraint(tokenizer);
            var state = JsonParserState.Start(grammar);
            var ended = false;
            var limit = grammar.MinimumLength + random.Next(0, 50);
            for (var step = 0; step < limit && !ended && !state.IsComplete; step++)
            {
                var tokensLeft = limit - step;
                var expected = BruteForce(grammar, vocabulary, state, tokensLeft);
                var actual = constraint.ComputeAllowed(tokensLeft);
                for (var id = 0; id < vocabulary.Size; id++)
                {
                    if (expected[id] != IsSet(actual, id))
                        Assert.Fail($"step {step}, {tokensLeft} tokens left, token {id} '{tokenizer.GetPieceText(id)}': expected {(expected[id] ? "allowed" : "masked")}");
                }

                var candidates = Enumerable.Range(0, vocabulary.Size).Where(id => expected[id]).ToArray();
                Assert.NotEmpty(candidates);
                // Prefer structural tokens now and then, so that walks go deep instead of staying in one string.
                var pick = candidates[random.Next(candidates.Length)];
                if (random.Next(3) == 0 && candidates.FirstOrDefault(id => vocabulary.TokenBytes[id].Length > 0 && !char.IsLetter((char)vocabulary.TokenBytes[id][0])) is var s and > 0)
                    pick = s;
                constraint.Accept(pick);
                if (Array.IndexOf(vocabulary.EndIds, pick) >= 0) ended = true;
                else foreach (var b in vocabulary.TokenBytes[pick]) Assert.True(state.Step(grammar, b));
            }
        }
    }

    private static bool[] BruteForce(JsonGrammar grammar, ConstraintVocabulary vocabulary, JsonParserState state, int tokensLeft)
    {
        var allowed = new bool[vocabulary.Size];
        for (var id = 0; id < vocabulary.Size; id++)
        {
            if (Array.IndexOf(vocabulary.EndIds, id) >= 0)
            {
                allowed[id] = state.CanEnd(grammar);
                continue;
            }

            var bytes = vocabulary.TokenBytes[id];
            if (bytes.Length == 0) continue;
            var next = state;
            var ok = true;
            foreach (var b in bytes)
            {
                if (!next.Step(grammar, b))
                {
                    ok = false;
                    break;
                }
            }

            allowed[id] = ok && next.MinCompletion(grammar) <= tokensLeft - 1;
        }

        return allowed;
    }

    private static bool IsSet(ReadOnlySpan<uint> bits, int id) => (bits[id >> 5] & (1u << (id & 31))) != 0;
}
