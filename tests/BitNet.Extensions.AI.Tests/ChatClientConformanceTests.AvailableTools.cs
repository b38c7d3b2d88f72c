using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>
/// Upstream's <c>AvailableTools_SchemasAreAccepted_*</c>: the parameter schemas <see cref="AIFunctionFactory"/> makes for
/// common .NET types, and hand-written MCP-server-style schemas, offered together in auto mode — where a schema
/// constrained decoding cannot enforce only turns the constraint off, so the request is answered. Ours in addition: each
/// one required on its own is either a call whose arguments the function accepts, or the documented
/// <see cref="NotSupportedException"/> naming the keyword. Supported: int, long, float, double, decimal, bool, string,
/// nullable and optional parameters, enums, lists and arrays, and the MCP shapes without bounds. Not supported (string
/// formats, lengths and patterns, numeric bounds, negation): <c>format</c> (DateTime, DateTimeOffset, DateOnly, TimeOnly,
/// Uri, Guid), <c>pattern</c> (TimeSpan), <c>minLength</c> (char: a one-character string), <c>minimum</c> (an MCP
/// schema), <c>not</c> (the first keyword met in a parameter with data annotations: DeniedValues).
/// </summary>
public sealed partial class ChatClientConformanceTests
{
    [Fact]
    public Task AvailableTools_SchemasAreAccepted_Strict() => AvailableTools_SchemasAreAccepted(strict: true);

    [Fact]
    public Task AvailableTools_SchemasAreAccepted_NonStrict() => AvailableTools_SchemasAreAccepted(strict: false);

    private async Task AvailableTools_SchemasAreAccepted(bool strict)
    {
        var shapes = SchemaShapes(strict);
        using var chatClient = new FunctionInvokingChatClient(_client);

        var response = await chatClient.GetResponseAsync("Once upon a time",
            new ChatOptions { Tools = [.. shapes.Select(s => s.Function)], Temperature = 0, MaxOutputTokens = 16 });
        Assert.NotNull(response);

        // Each required on its own: what happened, per function, against what is expected.
        var outcomes = new List<string>();
        foreach (var (function, _) in shapes)
            outcomes.Add($"{function.Name}: {await RequiredCallOutcomeAsync(function)}");
        Assert.Equal(shapes.Select(s => $"{s.Function.Name}: {(s.UnsupportedKeyword is { } k ? $"'{k}' not supported" : "called")}"), outcomes);
    }

    /// <summary>"called" when the answer is a call of <paramref name="function"/> that it accepts; else the keyword refused.</summary>
    private async Task<string> RequiredCallOutcomeAsync(AIFunction function)
    {
        // The context is 256 tokens: the longest shape's call fits in 200.
        var options = new ChatOptions { Tools = [function], ToolMode = ChatToolMode.RequireSpecific(function.Name), Temperature = 0, MaxOutputTokens = 200 };
        ChatResponse response;
        try
        {
            response = await _client.GetResponseAsync("Once upon a time", options);
        }
        catch (NotSupportedException e)
        {
            var keyword = System.Text.RegularExpressions.Regex.Match(e.Message, "keyword '([^']+)'");
            Assert.True(keyword.Success, e.Message); // the message names the keyword
            return $"'{keyword.Groups[1].Value}' not supported";
        }

        var call = Assert.IsType<FunctionCallContent>(Assert.Single(response.Messages.Single().Contents));
        Assert.Equal(function.Name, call.Name);
        if (function is SchemaOnlyFunction)
            AssertRequiredPresent(function.JsonSchema, call.Arguments!);
        else
            await function.InvokeAsync(new AIFunctionArguments(call.Arguments)); // binds: the arguments have the parameters' types
        return "called";
    }

    private static void AssertRequiredPresent(JsonElement schema, IDictionary<string, object?> arguments)
    {
        if (!schema.TryGetProperty("required", out var required)) return;
        foreach (var name in required.EnumerateArray()) Assert.True(arguments.ContainsKey(name.GetString()!), $"'{name}' is required");
    }

    /// <summary>Each function and the keyword that makes a required call of it unsupported (null: supported).</summary>
    private static List<(AIFunction Function, string? UnsupportedKeyword)> SchemaShapes(bool strict)
    {
        var count = 0;
        Dictionary<string, object?> properties = strict ? new() { ["strict"] = true } : [];
        AIFunctionFactoryOptions Named() => new() { Name = $"Method{++count}", AdditionalProperties = properties };
        (AIFunction, string?) Schema(string schema, string? unsupported) =>
            (new SchemaOnlyFunction($"CustomMethod{++count}", schema, properties), unsupported);

        return
        [
            (AIFunctionFactory.Create((int? i) => i, Named()), null),
            (AIFunctionFactory.Create((string? s) => s, Named()), null),
            (AIFunctionFactory.Create((int? i = null) => i, Named()), null),
            (AIFunctionFactory.Create((bool b) => b, Named()), null),
            (AIFunctionFactory.Create((double d) => d, Named()), null),
            (AIFunctionFactory.Create((decimal d) => d, Named()), null),
            (AIFunctionFactory.Create((float f) => f, Named()), null),
            (AIFunctionFactory.Create((long l) => l, Named()), null),
            (AIFunctionFactory.Create((char c) => c, Named()), "minLength"),
            (AIFunctionFactory.Create((DateTime dt) => dt, Named()), "format"),
            (AIFunctionFactory.Create((DateTimeOffset? dt) => dt, Named()), "format"),
            (AIFunctionFactory.Create((TimeSpan ts) => ts, Named()), "pattern"),
            (AIFunctionFactory.Create((DateOnly d) => d, Named()), "format"),
            (AIFunctionFactory.Create((TimeOnly t) => t, Named()), "format"),
            (AIFunctionFactory.Create((Uri uri) => uri, Named()), "format"),
            (AIFunctionFactory.Create((Guid guid) => guid, Named()), "format"),
            (AIFunctionFactory.Create((List<int> list) => list, Named()), null),
            (AIFunctionFactory.Create((int[] arr, AnnotatedObject? co) => arr, Named()), "not"),
            (AIFunctionFactory.Create((string p1 = "str", int p2 = 42, BindingFlags p3 = BindingFlags.IgnoreCase, char p4 = 'x') => p1, Named()), "minLength"),
            (AIFunctionFactory.Create((string? p1 = "str", int? p2 = 42, BindingFlags? p3 = BindingFlags.IgnoreCase, char? p4 = 'x') => p1, Named()), "minLength"),

            // The shapes of MCP servers' tool schemas: no parameters, defaults, required subsets, enums, bounds, maps.
            Schema("""{"type":"object","properties":{},"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}""", null),
            Schema("""{"type":"object","properties":{"seconds":{"type":"number","default":10,"description":"How long"},"steps":{"type":"number","default":5}},"additionalProperties":false}""", null),
            Schema("""{"type":"object","properties":{"prompt":{"type":"string","description":"What to ask"},"maxTokens":{"type":"number","default":100}},"required":["prompt"],"additionalProperties":false}""", null),
            Schema("""{"type":"object","properties":{"kind":{"type":"string","enum":["error","success","debug"]},"withImage":{"type":"boolean","default":false}},"required":["kind"],"additionalProperties":false}""", null),
            Schema("""{"type":"object","properties":{"resourceId":{"type":"number","minimum":1,"maximum":100}},"required":["resourceId"],"additionalProperties":false}""", "minimum"),
            Schema("""{"properties":{"body":{"type":"string","description":"Comment text"},"line":{"type":"number"},"owner":{"type":"string"},"side":{"enum":["LEFT","RIGHT"],"type":"string"},"subjectType":{"enum":["FILE","LINE"],"type":"string"}},"required":["owner","body","subjectType"],"type":"object"}""", null),
            Schema("""{"properties":{"title":{"type":"string"},"method":{"enum":["merge","squash","rebase"],"type":"string"},"number":{"type":"number"}},"required":["number"],"type":"object"}""", null),
            Schema("""{"type":"object","properties":{"labels":{"type":"object"}},"additionalProperties":{"type":"string"}}""", null),
        ];
    }

    /// <summary>A function known only by its schema (as an MCP client's tools are); it is never invoked here.</summary>
    private sealed class SchemaOnlyFunction(string name, string schema, IReadOnlyDictionary<string, object?> additionalProperties) : AIFunction
    {
        public override string Name => name;

        public override IReadOnlyDictionary<string, object?> AdditionalProperties => additionalProperties;

        public override JsonElement JsonSchema { get; } = JsonDocument.Parse(schema).RootElement.Clone();

        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
            throw new NotSupportedException("A schema-only function.");
    }

    /// <summary>A parameter whose data annotations become schema keywords.</summary>
    public sealed class AnnotatedObject
    {
        /// <summary>A display name.</summary>
        [DisplayName("Something cool")]
        [DeniedValues("abc", "def")]
        public string? SomeString { get; set; }

        /// <summary>An allowed-values list.</summary>
        [AllowedValues("abc", "def", "default")]
        public string AnotherString { get; set; } = "default";

        /// <summary>A range.</summary>
        [Range(25, 75)]
        public int Value { get; set; }

        /// <summary>An e-mail address.</summary>
        [EmailAddress]
        public string? Email { get; set; }

        /// <summary>A pattern.</summary>
        [RegularExpression("[abc]")]
        public string? RegexString { get; set; }

        /// <summary>A length.</summary>
        [StringLength(42)]
        public string MeasuredString { get; set; } = "default";

        /// <summary>Array lengths.</summary>
        [Length(1, 2)]
        public int[]? MeasuredArray { get; set; }
    }
}
