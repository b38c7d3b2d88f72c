using System.Diagnostics;
using System.Text.Json;
using BitNet.Runtime.Constraints;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Model;
using BitNet.Runtime.Sampling;
using Json.Schema;
using Xunit.Abstractions;

namespace BitNet.Tests.Constraints;

/// <summary>
/// Seeded generations of the shipped story model under JSON-schema constraints: every output parses and validates
/// against its schema (checked by an independent validator, JsonSchema.Net), also when the token limit is tight.
/// </summary>
public sealed class ConstrainedGenerationTests(ITestOutputHelper output)
{
    public static readonly string[] Schemas =
    [
        // An object with required fields of every scalar type.
        """{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},"happy":{"type":"boolean"},"height":{"type":"number"}},"required":["name","age","happy","height"],"additionalProperties":false}""",
        // An array of numbers with a count range.
        """{"type":"array","items":{"type":"number"},"minItems":1,"maxItems":4}""",
        // Enums, of strings and of mixed values.
        """{"type":"object","properties":{"color":{"enum":["red","green","blue"]},"size":{"enum":[1,2,3,null]}},"required":["color","size"]}""",
        // Nested objects and arrays, a nullable number, an object of free keys.
        """{"type":"object","properties":{"hero":{"type":"object","properties":{"name":{"type":"string"},"friends":{"type":"array","items":{"type":"string"},"maxItems":2}},"required":["name","friends"]},"mood":{"enum":["glad","sad"]},"score":{"type":["number","null"]},"notes":{"type":"object","additionalProperties":{"type":"integer"}}},"required":["hero","mood","score"]}""",
        // Any JSON value.
        "true",
    ];

    [Fact]
    public void Two_hundred_seeded_generations_all_parse_and_validate()
    {
        using var model = TinyModel.Load(ActivationQuantization.Int8PerToken, contextLength: 128);
        var prompt = model.Tokenizer.Encode("Once upon a time, a little girl named Lily");
        var clock = Stopwatch.StartNew();
        var tokens = 0;
        for (var i = 0; i < 200; i++)
        {
            var schemaText = Schemas[i % Schemas.Length];
            var grammar = JsonGrammar.FromSchema(schemaText);
            var options = new GenerationOptions
            {
                MaxTokens = grammar.MinimumLength + 16,
                Sampling = new SamplingOptions { Temperature = 1f, TopP = 0.95f, Seed = (ulong)i },
                Constraint = grammar.CreateConstraint,
            };
            var generation = new TextGeneration(model, prompt, options);
            var text = string.Concat(generation.Run().Select(t => t.Text));
            tokens += generation.GeneratedIds.Count;
            AssertValid(schemaText, text, $"generation {i} ({generation.FinishReason})");
            if (i < Schemas.Length) output.WriteLine(text);
        }

        output.WriteLine($"200 generations, {tokens} tokens, {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(3, 2)]
    [InlineData(3, 6)]
    public void At_a_tight_token_limit_the_value_is_still_closed(int schema, int spare)
    {
        using var model = TinyModel.Load(ActivationQuantization.Int8PerToken, contextLength: 256);
        var grammar = JsonGrammar.FromSchema(Schemas[schema]);
        for (var seed = 0UL; seed < 5; seed++)
        {
            var generation = new TextGeneration(model, model.Tokenizer.Encode("Once upon a time"), new GenerationOptions
            {
                MaxTokens = grammar.MinimumLength + spare,
                Sampling = new SamplingOptions { Temperature = 1f, Seed = seed },
                Constraint = grammar.CreateConstraint,
            });
            var text = string.Concat(generation.Run().Select(t => t.Text));
            AssertValid(Schemas[schema], text, $"seed {seed}");
            Assert.Equal(GenerationFinishReason.EndOfSequence, generation.FinishReason);
        }
    }

    [Fact]
    public void Greedy_decoding_is_constrained_too()
    {
        using var model = TinyModel.Load(ActivationQuantization.Int8PerToken, contextLength: 128);
        var generation = new TextGeneration(model, model.Tokenizer.Encode("Once upon a time"), new GenerationOptions
        {
            MaxTokens = 60,
            Sampling = SamplingOptions.Greedy,
            Constraint = JsonGrammar.AnyObject.CreateConstraint,
        });
        var text = string.Concat(generation.Run().Select(t => t.Text));
        using var document = JsonDocument.Parse(text);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
    }

    [Fact]
    public void Too_small_a_limit_is_an_error_that_says_so()
    {
        using var model = TinyModel.Load(ActivationQuantization.Int8PerToken, contextLength: 128);
        var grammar = JsonGrammar.FromSchema(Schemas[0]);
        var generation = new TextGeneration(model, model.Tokenizer.Encode("Once"), new GenerationOptions
        {
            MaxTokens = 5,
            Constraint = grammar.CreateConstraint,
        });
        var error = Assert.Throws<InvalidOperationException>(() => generation.Run().ToList());
        Assert.Contains("Raise the token limit", error.Message);
    }

    private static void AssertValid(string schemaText, string text, string what)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"{what}: not JSON ({e.Message}): {text}");
        }

        using (document)
        {
            var result = JsonSchema.FromText(schemaText).Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{what}: does not validate: {text}");
        }
    }
}
