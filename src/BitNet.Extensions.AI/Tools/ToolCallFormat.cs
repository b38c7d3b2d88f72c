using System.Text;
using System.Text.Json;
using BitNet.Runtime.Constraints;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tools;

/// <summary>
/// How tool calls look in the model's text: the Llama 3 / BitNet b1.58 2B4T JSON convention, one call per answer,
/// <c>{"name":"NAME","arguments":{…}}</c>. This renders the tools into the instructions, calls and results into the
/// history, builds the grammar that forces a call, and reads a call back from generated text.
/// </summary>
internal static class ToolCallFormat
{
    // MEAI's options (they know its content types) but compact, as the model writes calls.
    private static readonly JsonSerializerOptions s_compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    /// <summary>The functions of <paramref name="options"/> that may be called in this request: none when
    /// <see cref="ChatToolMode.None"/>, only the named one for <see cref="ChatToolMode.RequireSpecific"/>.</summary>
    /// <exception cref="ArgumentException">The required function is not among the tools, or a call is required but there are no tools.</exception>
    public static IReadOnlyList<AIFunctionDeclaration> CallableFunctions(ChatOptions? options)
    {
        if (options?.ToolMode is NoneChatToolMode) return [];
        var functions = new List<AIFunctionDeclaration>();
        if (options?.Tools is { } tools)
            foreach (var tool in tools)
                if (tool is AIFunctionDeclaration function) functions.Add(function);

        if (options?.ToolMode is RequiredChatToolMode required)
        {
            if (functions.Count == 0)
                throw new ArgumentException("ChatOptions.ToolMode requires a tool call, but ChatOptions.Tools has no functions.", nameof(options));
            if (required.RequiredFunctionName is { } name)
            {
                var match = functions.Find(f => f.Name == name)
                    ?? throw new ArgumentException($"ChatOptions.ToolMode requires '{name}', which is not among ChatOptions.Tools ({string.Join(", ", functions.Select(f => f.Name))}).", nameof(options));
                return [match];
            }
        }

        return functions;
    }

    /// <summary>The grammar that makes the answer a call of one of <paramref name="functions"/>.</summary>
    /// <exception cref="NotSupportedException">A parameter schema uses a keyword constrained decoding cannot enforce.</exception>
    public static JsonGrammar CallGrammar(IReadOnlyList<AIFunctionDeclaration> functions) =>
        JsonGrammar.ForFunctionCalls(functions.Select(f => new KeyValuePair<string, JsonElement>(f.Name, f.JsonSchema)));

    /// <summary>The tools described for a chat-format model's system instructions.</summary>
    public static string Describe(IReadOnlyList<AIFunctionDeclaration> functions, bool required)
    {
        var text = new StringBuilder("You can call these functions:\n");
        foreach (var function in functions)
            text.Append("- ").Append(function.Name).Append(": ").Append(function.Description).Append(" Arguments schema: ")
                .Append(JsonSerializer.Serialize(function.JsonSchema)).Append('\n');
        text.Append(required ? "Answer with exactly one function call, " : "To call a function, answer with only ")
            .Append("{\"name\": \"<function name>\", \"arguments\": {<arguments>}}.");
        return text.ToString();
    }

    /// <summary>A call in the history, written as the model would have written it.</summary>
    public static string Render(FunctionCallContent call) =>
        "{\"name\":" + JsonSerializer.Serialize(call.Name) + ",\"arguments\":" +
        JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), s_compact) + "}";

    /// <summary>A function's result in the history: the result as text (JSON unless it is a string).</summary>
    public static string Render(FunctionResultContent result) =>
        result.Result switch
        {
            null => result.Exception is { } e ? "Error: " + e.Message : "null",
            string s => s,
            var value => JsonSerializer.Serialize(value, s_compact),
        };

    /// <summary>
    /// The call <paramref name="text"/> holds — a JSON object naming one of <paramref name="functions"/> with an
    /// arguments object, nothing else around it but whitespace — with a new unique call id; null when it is not one.
    /// </summary>
    public static FunctionCallContent? TryParse(string text, IReadOnlyList<AIFunctionDeclaration> functions)
    {
        if (functions.Count == 0 || !text.AsSpan().TrimStart().StartsWith("{", StringComparison.Ordinal)) return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object ||
                !root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String ||
                !root.TryGetProperty("arguments", out var arguments) || arguments.ValueKind != JsonValueKind.Object)
                return null;
            var functionName = name.GetString()!;
            if (!functions.Any(f => f.Name == functionName)) return null;
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var property in arguments.EnumerateObject()) values[property.Name] = property.Value.Clone();
            return new FunctionCallContent(NewCallId(), functionName, values);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string NewCallId() => "call_" + Guid.NewGuid().ToString("N")[..12];
}
