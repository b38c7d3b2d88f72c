using System.Text.Json;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI;

/// <summary>
/// Tells a chat-format model which JSON to write: the schema goes into the system instructions (MEAI's
/// <c>GetResponseAsync&lt;T&gt;</c> leaves that to the provider), while constrained decoding enforces it. Story models
/// get no such text: it would become part of the story.
/// </summary>
internal static class ResponseFormatInstructions
{
    /// <summary><paramref name="instructions"/> followed by what <paramref name="format"/> asks for; unchanged for text.</summary>
    public static string? Append(string? instructions, ChatResponseFormat? format)
    {
        if (format is not ChatResponseFormatJson json) return instructions;
        var request = json.Schema is { } schema
            ? $"Respond only with JSON{Describe(json)} that matches this JSON schema:\n{JsonSerializer.Serialize(schema)}"
            : "Respond only with a JSON object.";
        return string.IsNullOrWhiteSpace(instructions) ? request : instructions + "\n\n" + request;
    }

    private static string Describe(ChatResponseFormatJson json)
    {
        var name = string.IsNullOrWhiteSpace(json.SchemaName) ? "" : $" ({json.SchemaName}";
        if (name.Length == 0) return string.IsNullOrWhiteSpace(json.SchemaDescription) ? "" : $" ({json.SchemaDescription})";
        return string.IsNullOrWhiteSpace(json.SchemaDescription) ? name + ")" : $"{name}: {json.SchemaDescription})";
    }
}
