using System.Text.Json;
using BitNet.Extensions.AI.Hosting.Wire;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Hosting.Mapping;

/// <summary>
/// Translates a legacy text completion request: the prompt becomes one user message, which a story model continues
/// (a model with a chat format answers it as a chat turn).
/// </summary>
internal static class CompletionRequestMapper
{
    public static MappedRequest Map(CompletionRequest request, OpenAIEndpointOptions limits, ServedModel model)
    {
        if (request.Echo == true)
            throw OpenAIRequestException.Unsupported("echo", "echo is not supported; leave it out or false.");
        if (!string.IsNullOrEmpty(request.Suffix))
            throw OpenAIRequestException.Unsupported("suffix", "suffix (insertion) is not supported; leave it out.");
        if (request.BestOf is { } bestOf && bestOf != 1)
            throw OpenAIRequestException.Unsupported("best_of", "best_of must be 1 or left out: this server returns one completion.");
        if (request.Logprobs is not null)
            throw OpenAIRequestException.Unsupported("logprobs", "logprobs are not available from this server; leave logprobs out.");

        var (stream, includeUsage) = SamplingParameterMapper.Streaming(request);
        var options = SamplingParameterMapper.ToChatOptions(request, request.MaxTokens, "max_tokens", limits, model);
        return new MappedRequest([new ChatMessage(ChatRole.User, Prompt(request.Prompt))], options, stream, includeUsage);
    }

    // A string, or an array holding exactly one string; token-id prompts and batches are refused.
    private static string Prompt(JsonElement? prompt)
    {
        if (prompt is { ValueKind: JsonValueKind.String } text) return text.GetString()!;
        if (prompt is { ValueKind: JsonValueKind.Array } array && array.GetArrayLength() == 1 && array[0].ValueKind == JsonValueKind.String)
            return array[0].GetString()!;
        throw OpenAIRequestException.Invalid("prompt",
            prompt is null or { ValueKind: JsonValueKind.Null }
                ? "prompt is required: send the beginning of the story as a string."
                : "prompt must be a string (or an array holding one string); token-id prompts and batches are not supported.");
    }
}
