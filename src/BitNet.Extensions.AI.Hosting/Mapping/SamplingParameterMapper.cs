using System.Globalization;
using System.Text.Json;
using BitNet.Extensions.AI.Hosting.Wire;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Hosting.Mapping;

/// <summary>
/// Checks the fields chat and text completions share against OpenAI's ranges and the endpoint's limits, naming the field
/// on error, and copies them onto <see cref="ChatOptions"/>. What the provider cannot do (penalties, JSON…) is passed on
/// faithfully: the provider's own <see cref="NotSupportedException"/> becomes the 400.
/// </summary>
internal static class SamplingParameterMapper
{
    public static ChatOptions ToChatOptions(ISamplingRequest request, int? maxTokens, string maxTokensParam,
                                            OpenAIEndpointOptions limits, ServedModel model)
    {
        var options = new ChatOptions { ModelId = model.Resolve(request.Model) };

        if (request.N is { } n && n != 1)
            throw OpenAIRequestException.Unsupported("n", Format($"n is {n}; this server returns one choice per request: send n = 1 or leave it out."));

        if (request.Temperature is { } temperature)
        {
            if (!(temperature is >= 0f and <= 2f))
                throw OpenAIRequestException.Invalid("temperature", Format($"temperature must be between 0 and 2 (0 is greedy); got {temperature}."));
            options.Temperature = temperature;
        }

        if (request.TopP is { } topP)
        {
            if (!(topP is > 0f and <= 1f))
                throw OpenAIRequestException.Invalid("top_p", Format($"top_p must be greater than 0 and at most 1; got {topP}. For greedy decoding send temperature 0."));
            options.TopP = topP;
        }

        if (request.TopK is { } topK)
        {
            if (topK < 0) throw OpenAIRequestException.Invalid("top_k", Format($"top_k must be 0 (off) or more; got {topK}."));
            options.TopK = topK;
        }

        if (request.MinP is { } minP)
        {
            if (!(minP is >= 0f and < 1f)) throw OpenAIRequestException.Invalid("min_p", Format($"min_p must be in [0, 1); got {minP}."));
            (options.AdditionalProperties ??= [])[BitNetChatClient.MinPPropertyName] = minP;
        }

        if (maxTokens is { } max)
        {
            if (max < 1 || max > limits.MaxOutputTokens)
                throw OpenAIRequestException.Invalid(maxTokensParam,
                    Format($"{maxTokensParam} must be between 1 and {limits.MaxOutputTokens} on this server; got {max}. Leave it out to generate up to the end of the context."));
            options.MaxOutputTokens = max;
        }

        options.Seed = request.Seed;
        options.FrequencyPenalty = Penalty(request.FrequencyPenalty, "frequency_penalty");
        options.PresencePenalty = Penalty(request.PresencePenalty, "presence_penalty");
        options.StopSequences = StopSequences(request.Stop, limits.MaxStopSequences);
        return options;
    }

    /// <summary>Whether to stream, and whether a streamed answer ends with a usage chunk (<c>stream_options.include_usage</c>).</summary>
    public static (bool Stream, bool IncludeUsage) Streaming(ISamplingRequest request)
    {
        var stream = request.Stream ?? false;
        if (!stream && request.StreamOptions is not null)
            throw OpenAIRequestException.Invalid("stream_options", "stream_options is only allowed when stream is true.");
        return (stream, request.StreamOptions?.IncludeUsage ?? false);
    }

    private static float? Penalty(float? value, string param)
    {
        if (value is { } penalty && !(penalty is >= -2f and <= 2f))
            throw OpenAIRequestException.Invalid(param, Format($"{param} must be between -2 and 2; got {penalty}."));
        return value;
    }

    private static List<string>? StopSequences(JsonElement? stop, int maxStopSequences)
    {
        if (stop is not { } element || element.ValueKind == JsonValueKind.Null) return null;
        if (element.ValueKind == JsonValueKind.String) return [element.GetString()!];
        if (element.ValueKind != JsonValueKind.Array)
            throw OpenAIRequestException.Invalid("stop", "stop must be a string or an array of strings.");

        var count = element.GetArrayLength();
        if (count > maxStopSequences)
            throw OpenAIRequestException.Invalid("stop", Format($"stop holds {count} sequences; at most {maxStopSequences} are allowed."));
        var sequences = new List<string>(count);
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw OpenAIRequestException.Invalid("stop", "stop must be a string or an array of strings.");
            sequences.Add(item.GetString()!);
        }
        return sequences;
    }

    private static string Format(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);
}
