using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitNet.Extensions.AI.Hosting.Wire;

/// <summary>Source-generated serialization of the wire types: snake_case names, nulls left out unless a property says otherwise.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // A request's numbers must be JSON numbers; "temperature": "0.5" is an error naming the field.
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(ChatCompletionResponse))]
[JsonSerializable(typeof(CompletionResponse))]
[JsonSerializable(typeof(ModelListWire))]
[JsonSerializable(typeof(ModelWire))]
[JsonSerializable(typeof(ErrorResponseWire))]
[JsonSerializable(typeof(HealthReportWire))]
internal sealed partial class OpenAIJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context responses are written with: as <see cref="JsonSerializerContext"/>'s default, but with text in raw
    /// UTF-8 (<c>Lily's</c>, not <c>Lily\u0027s</c>), as OpenAI sends it; these bodies are JSON for API clients, never HTML.
    /// </summary>
    public static OpenAIJsonContext Responses => ResponsesHolder.Instance;

    // A nested class, so that it is initialized after the generated Default (static fields of one class would not be).
    private static class ResponsesHolder
    {
        public static readonly OpenAIJsonContext Instance = new(new JsonSerializerOptions(Default.GeneratedSerializerOptions!)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
    }
}
