using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Hosting.Mapping;

/// <summary>A <see cref="FunctionCallContent"/>'s arguments as OpenAI sends them: a JSON object in a string, on one line.</summary>
internal static class ToolCallArguments
{
    // AIJsonUtilities' options (they know the argument value types) without their indentation.
    private static readonly JsonTypeInfo s_arguments = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions) { WriteIndented = false }
        .GetTypeInfo(typeof(IDictionary<string, object?>));

    public static string Serialize(FunctionCallContent call) =>
        call.Arguments is null ? "{}" : JsonSerializer.Serialize(call.Arguments, s_arguments);
}
