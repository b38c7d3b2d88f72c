using System.Text.Json;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Hosting.Mapping;

/// <summary>A <see cref="FunctionCallContent"/>'s arguments as OpenAI sends them: a JSON object in a string.</summary>
internal static class ToolCallArguments
{
    public static string Serialize(FunctionCallContent call) =>
        call.Arguments is null
            ? "{}"
            : JsonSerializer.Serialize(call.Arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
}
