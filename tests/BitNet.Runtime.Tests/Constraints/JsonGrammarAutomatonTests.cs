using System.Text;
using System.Text.Json;
using BitNet.Runtime.Constraints;

namespace BitNet.Tests.Constraints;

/// <summary>The byte automaton of <see cref="JsonGrammar"/>: valid documents, every prefix of them, and invalid ones rejected at the right byte.</summary>
public sealed class JsonGrammarAutomatonTests
{
    public static TheoryData<string> ValidDocuments =>
    [
        "{}", "[]", "0", "-0", "12", "-12.5e+10", "1E5", "0.25", "3.141592653589793", "true", "false", "null", "\"\"",
        "{\"a\":1}", "{ \"a\" : [1, 2, {\"b\": null}], \"c\": \"x\" }", "[[[[]]]]", "[true,false,null]",
        "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\"\\u0041\\u00e9\\uD83D\\uDE00\"", "\"café 😀 日本\"",
        "{\"k\":{\"k\":{\"k\":[1,-2.0e-3]}}}", "\n[ 1 ,\t2 ]", "\"\u007f\"",
    ];

    [Theory]
    [MemberData(nameof(ValidDocuments))]
    public void Accepts_valid_json_and_every_prefix_of_it(string json)
    {
        using var _ = JsonDocument.Parse(json);   // the corpus itself is valid JSON
        var bytes = Encoding.UTF8.GetBytes(json);
        var grammar = JsonGrammar.AnyValue;
        Assert.Equal(-1, grammar.FirstRejectedByte(bytes));
        Assert.True(grammar.Accepts(bytes));
        for (var length = 0; length < bytes.Length; length++)
            Assert.Equal(-1, grammar.FirstRejectedByte(bytes.AsSpan(0, length)));
    }

    [Theory]
    [InlineData("{,}", 1)]
    [InlineData("[1,]", 3)]
    [InlineData("[1 2]", 3)]
    [InlineData("{\"a\" 1}", 5)]
    [InlineData("{\"a\":}", 5)]
    [InlineData("01", 1)]
    [InlineData("-", -1)]       // incomplete, not rejected
    [InlineData("-a", 1)]
    [InlineData("1.", -1)]
    [InlineData("1.e5", 2)]
    [InlineData("1e", -1)]
    [InlineData("1e+", -1)]
    [InlineData("1ex", 2)]
    [InlineData("tru", -1)]
    [InlineData("trux", 3)]
    [InlineData("nul1", 3)]
    [InlineData("\"a\nb\"", 2)]           // raw control character in a string
    [InlineData("\"\\x\"", 2)]            // unknown escape
    [InlineData("\"\\u12G4\"", 5)]
    [InlineData("\"\\uDC00\"", 4)]        // a lone low surrogate
    [InlineData("\"\\uD83Dx\"", 7)]       // a high surrogate needs a low one
    [InlineData("\"\\uD83D\\u0041\"", 9)]
    [InlineData("1 2", 1)]                // nothing after the root value, not even whitespace
    [InlineData("{}x", 2)]
    [InlineData("]", 0)]
    public void Rejects_invalid_json_at_the_right_byte(string json, int expected)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.Equal(expected, JsonGrammar.AnyValue.FirstRejectedByte(bytes));
        Assert.False(JsonGrammar.AnyValue.Accepts(bytes));
    }

    [Theory]
    [InlineData(new byte[] { 0x22, 0xC0, 0x80, 0x22 }, 1)]       // overlong NUL
    [InlineData(new byte[] { 0x22, 0xE0, 0x80, 0x80, 0x22 }, 2)] // overlong three-byte form
    [InlineData(new byte[] { 0x22, 0xED, 0xA0, 0x80, 0x22 }, 2)] // an encoded surrogate
    [InlineData(new byte[] { 0x22, 0xF4, 0x90, 0x80, 0x80 }, 2)] // above U+10FFFF
    [InlineData(new byte[] { 0x22, 0x80, 0x22 }, 1)]             // a stray continuation byte
    [InlineData(new byte[] { 0x22, 0xE2, 0x22 }, 2)]             // a sequence cut short
    public void Rejects_invalid_utf8_inside_strings(byte[] bytes, int expected) =>
        Assert.Equal(expected, JsonGrammar.AnyValue.FirstRejectedByte(bytes));

    [Fact]
    public void Bounds_whitespace_digits_and_nesting()
    {
        var grammar = JsonGrammar.AnyValue;
        Assert.Equal(-1, grammar.FirstRejectedByte(Encoding.UTF8.GetBytes(new string(' ', JsonParserState.MaxWhitespace) + "1")));
        Assert.Equal(JsonParserState.MaxWhitespace, grammar.FirstRejectedByte(Encoding.UTF8.GetBytes(new string(' ', JsonParserState.MaxWhitespace + 1))));
        Assert.True(grammar.Accepts(Encoding.UTF8.GetBytes(new string('9', JsonParserState.MaxIntegerDigits))));
        Assert.Equal(JsonParserState.MaxIntegerDigits, grammar.FirstRejectedByte(Encoding.UTF8.GetBytes(new string('9', JsonParserState.MaxIntegerDigits + 1))));
        Assert.Equal(4, grammar.FirstRejectedByte("1e99"u8.ToArray().Concat("9"u8.ToArray()).ToArray()));
        Assert.Equal(-1, grammar.FirstRejectedByte(Encoding.UTF8.GetBytes(new string('[', JsonParserState.MaxDepth))));
        Assert.Equal(JsonParserState.MaxDepth, grammar.FirstRejectedByte(Encoding.UTF8.GetBytes(new string('[', JsonParserState.MaxDepth + 1))));
    }

    [Fact]
    public void Any_object_accepts_only_objects()
    {
        Assert.True(JsonGrammar.AnyObject.Accepts("{\"a\":[1,{}]}"u8));
        Assert.Equal(0, JsonGrammar.AnyObject.FirstRejectedByte("[1]"u8));
        Assert.Equal(0, JsonGrammar.AnyObject.FirstRejectedByte("\"x\""u8));
    }
}
