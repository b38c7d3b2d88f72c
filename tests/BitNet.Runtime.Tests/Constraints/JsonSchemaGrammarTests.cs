using System.Text;
using BitNet.Runtime.Constraints;

namespace BitNet.Tests.Constraints;

/// <summary>Schemas compiled to grammars: what they accept, what they reject, and the keywords they refuse.</summary>
public sealed class JsonSchemaGrammarTests
{
    private const string Person = """
        {"$schema":"https://json-schema.org/draft/2020-12/schema","title":"person","type":"object",
         "properties":{"name":{"type":"string","description":"who"},"age":{"type":"integer"},"pets":{"type":"array","items":{"enum":["cat","dog"]},"minItems":1,"maxItems":2},
                       "nick":{"type":["string","null"]}},
         "required":["name","age"],"additionalProperties":false}
        """;

    [Theory]
    [InlineData("{\"name\":\"Tom\",\"age\":4,\"pets\":[\"cat\"],\"nick\":null}")]
    [InlineData("{ \"name\" : \"Lily\", \"age\" : -12, \"pets\" : [\"dog\", \"cat\"], \"nick\" : \"L\" }")]
    public void Schema_grammar_accepts_conforming_documents(string json) =>
        Assert.True(JsonGrammar.FromSchema(Person).Accepts(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("{\"age\":4}", 2)]                                               // properties in declared order
    [InlineData("{\"name\":4}", 8)]                                              // wrong type
    [InlineData("{\"name\":\"T\",\"age\":4.5}", 19)]                             // integer: no fraction
    [InlineData("{\"name\":\"T\",\"age\":4,\"pets\":[]}", 28)]                   // minItems 1
    [InlineData("{\"name\":\"T\",\"age\":4,\"pets\":[\"cat\",\"dog\",", 39)]     // maxItems 2
    [InlineData("{\"name\":\"T\",\"age\":4,\"pets\":[\"cow\"]}", 30)]            // not in the enum
    [InlineData("{\"name\":\"T\",\"age\":4,\"pets\":[\"cat\"],\"nick\":null,", 46)] // no additional properties
    [InlineData("{\"name\":\"T\",\"age\":1234567890}", 27)]                      // integers fit an int
    public void Schema_grammar_rejects_at_the_first_wrong_byte(string json, int expected) =>
        Assert.Equal(expected, JsonGrammar.FromSchema(Person).FirstRejectedByte(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Enum_of_mixed_values_and_const()
    {
        var grammar = JsonGrammar.FromSchema("""{"enum":[1,12,"a",null,{"x":true}]}""");
        foreach (var ok in new[] { "1", "12", "\"a\"", "null", "{\"x\":true}" }) Assert.True(grammar.Accepts(Encoding.UTF8.GetBytes(ok)), ok);
        Assert.False(grammar.Accepts("123"u8));
        Assert.False(grammar.Accepts("\"b\""u8));
        Assert.True(JsonGrammar.FromSchema("""{"const":"é"}""").Accepts(Encoding.UTF8.GetBytes("\"é\"")));
    }

    [Fact]
    public void Any_of_with_different_first_characters()
    {
        var grammar = JsonGrammar.FromSchema("""{"anyOf":[{"type":"array","items":{"type":"number"}},{"type":"object","properties":{"a":{"type":"boolean"}}},{"type":"null"}]}""");
        Assert.True(grammar.Accepts("[1.5,2]"u8));
        Assert.True(grammar.Accepts("{\"a\":false}"u8));
        Assert.True(grammar.Accepts("null"u8));
        Assert.False(grammar.Accepts("1"u8));
    }

    [Fact]
    public void Semantic_kernels_condition_annotation_is_ignored()
    {
        // Semantic Kernel 1.82's parameter schema for [KernelFunction, Description("…")] string f(string animal, int age).
        var grammar = JsonGrammar.FromSchema("""{"type":"object","condition":"Chooses the hero.","properties":{"animal":{"type":"string"},"age":{"type":"integer"}},"required":["animal","age"]}""");
        Assert.True(grammar.Accepts("{\"animal\":\"fox\",\"age\":3}"u8));
        Assert.False(grammar.Accepts("{\"animal\":\"fox\",\"age\":\"3\"}"u8));
    }

    [Fact]
    public void Objects_without_properties_follow_additional_properties()
    {
        Assert.True(JsonGrammar.FromSchema("""{"type":"object"}""").Accepts("{\"x\":[1,\"y\"]}"u8));
        Assert.True(JsonGrammar.FromSchema("""{"type":"object","additionalProperties":{"type":"integer"}}""").Accepts("{\"x\":1,\"y\":2}"u8));
        Assert.False(JsonGrammar.FromSchema("""{"type":"object","additionalProperties":{"type":"integer"}}""").Accepts("{\"x\":\"1\"}"u8));
        Assert.True(JsonGrammar.FromSchema("""{"type":"object","additionalProperties":false}""").Accepts("{}"u8));
        Assert.False(JsonGrammar.FromSchema("""{"type":"object","additionalProperties":false}""").Accepts("{\"x\":1}"u8));
        // An empty 'properties' declares no keys (MEAI's and Semantic Kernel's schema of a function without parameters).
        Assert.True(JsonGrammar.FromSchema("""{"type":"object","properties":{}}""").Accepts("{}"u8));
        Assert.False(JsonGrammar.FromSchema("""{"type":"object","properties":{}}""").Accepts("{\"x\":1}"u8));
        Assert.True(JsonGrammar.FromSchema("""{"type":"object","properties":{},"additionalProperties":{"type":"integer"}}""").Accepts("{\"x\":1}"u8));
    }

    [Theory]
    [InlineData("""{"type":"string","pattern":"^a"}""", "pattern")]
    [InlineData("""{"type":"integer","minimum":3}""", "minimum")]
    [InlineData("""{"$ref":"#/$defs/x"}""", "$ref")]
    [InlineData("""{"type":"string","format":"date-time"}""", "format")]
    [InlineData("""{"allOf":[{"type":"string"}]}""", "allOf")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","maxLength":3}}}""", "maxLength")]
    public void Unsupported_keywords_are_named(string schema, string keyword)
    {
        var error = Assert.Throws<NotSupportedException>(() => JsonGrammar.FromSchema(schema));
        Assert.Contains($"'{keyword}'", error.Message);
    }

    [Fact]
    public void Ambiguous_alternatives_and_malformed_schemas_are_explained()
    {
        var ambiguous = Assert.Throws<NotSupportedException>(() => JsonGrammar.FromSchema("""{"anyOf":[{"type":"object"},{"type":"object","properties":{"a":{}}}]}"""));
        Assert.Contains("'{'", ambiguous.Message);
        Assert.Throws<ArgumentException>(() => JsonGrammar.FromSchema("""{"type":"text"}"""));
        Assert.Throws<ArgumentException>(() => JsonGrammar.FromSchema("""{"type":"array","minItems":3,"maxItems":2}"""));
        Assert.Throws<NotSupportedException>(() => JsonGrammar.FromSchema("""{"type":"object","properties":{"a":{}},"required":["b"]}"""));
    }

    [Fact]
    public void Function_calls_take_the_arguments_schema_of_the_named_function()
    {
        var grammar = JsonGrammar.ForFunctionCalls(
        [
            new("add", System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["a","b"]}""").RootElement),
            new("add_all", System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"values":{"type":"array","items":{"type":"number"}}}}""").RootElement),
        ]);
        Assert.True(grammar.Accepts("{\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":2}}"u8));
        Assert.True(grammar.Accepts(" {\"name\":\"add_all\",\"arguments\":{ \"values\": [1.5] } }"u8));
        Assert.Equal(9, grammar.FirstRejectedByte("{\"name\":\"sub\""u8));                                 // unknown function
        Assert.Equal(28, grammar.FirstRejectedByte("{\"name\":\"add\",\"arguments\":{\"values\":"u8));   // add's arguments are a, b
        Assert.Equal("{\"name\":\"add\",\"arguments\":{\"a\":0,\"b\":0}}".Length, grammar.MinimumLength);
    }
}
