using System.Globalization;
using System.Text.Json;
using BitNet.Extensions.AI.Tools;
using BitNet.Runtime.Constraints;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Sampling;
using BitNet.Runtime.Tokenization;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI;

/// <summary>
/// Maps a request's <see cref="ChatOptions"/> onto the engine's <see cref="GenerationOptions"/>. Unset values fall back to
/// the client's <see cref="BitNetChatClientOptions"/>. The <see cref="ChatOptions"/> instance is only read.
/// </summary>
internal static class ChatOptionsTranslator
{
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names the option and its value.</exception>
    /// <param name="options">The request's options; null uses <paramref name="defaults"/>.</param>
    /// <param name="defaults">The client's request defaults.</param>
    /// <param name="client">Passed to <see cref="ChatOptions.RawRepresentationFactory"/>.</param>
    /// <exception cref="NotSupportedException">A JSON schema uses a keyword the grammar cannot enforce (see <see cref="BitNetChatClient"/>).</exception>
    public static GenerationOptions ToGenerationOptions(ChatOptions? options, BitNetChatClientOptions defaults, IChatClient? client = null)
    {
        if (options?.RawRepresentationFactory?.Invoke(client!) is GenerationOptions native)
            return FromNative(native, options, defaults);

        var temperature = options?.Temperature ?? defaults.Temperature;
        if (!(temperature >= 0f && float.IsFinite(temperature)))
            throw OutOfRange(nameof(ChatOptions.Temperature), temperature, "finite and >= 0 (0 selects greedy decoding)");

        var topP = options?.TopP ?? defaults.TopP;
        if (!(topP > 0f && topP <= 1f))
            throw OutOfRange(nameof(ChatOptions.TopP), topP, "in (0, 1] (1 disables top-p)");

        var topK = options?.TopK ?? defaults.TopK;
        if (topK < 0)
            throw OutOfRange(nameof(ChatOptions.TopK), topK, ">= 0 (0 disables top-k)");

        var minP = ReadNumber(options, BitNetChatClient.MinPPropertyName) ?? defaults.MinP;
        if (!(minP >= 0f && minP < 1f))
            throw OutOfRange(Property(BitNetChatClient.MinPPropertyName), minP, "in [0, 1) (0 disables min-p)");

        var topNSigma = ReadNumber(options, BitNetChatClient.TopNSigmaPropertyName) ?? defaults.TopNSigma;
        if (!(topNSigma >= 0f && float.IsFinite(topNSigma)))
            throw OutOfRange(Property(BitNetChatClient.TopNSigmaPropertyName), topNSigma, "finite and >= 0 (0 disables top-n-sigma)");

        var minKeep = ReadInteger(options, BitNetChatClient.MinKeepPropertyName) ?? defaults.MinKeep;
        if (minKeep is < 1 or > SamplingOptions.MaxMinKeep)
            throw OutOfRange(Property(BitNetChatClient.MinKeepPropertyName), minKeep, $"1 to {SamplingOptions.MaxMinKeep}");

        // The client's penalties belong to its sampling default: a greedy request gets the model's argmax unless it
        // asks for a penalty itself.
        var sampling = temperature > 0f;
        var repetition = ReadNumber(options, BitNetChatClient.RepetitionPenaltyPropertyName) ?? (sampling ? defaults.RepetitionPenalty : 1f);
        if (!(repetition > 0f && float.IsFinite(repetition)))
            throw OutOfRange(Property(BitNetChatClient.RepetitionPenaltyPropertyName), repetition, "finite and > 0 (1 disables it)");

        var window = ReadInteger(options, BitNetChatClient.RepetitionPenaltyWindowPropertyName) ?? defaults.RepetitionPenaltyWindow;
        if (window is < 1 or > SamplingOptions.MaxRepetitionPenaltyWindow)
            throw OutOfRange(Property(BitNetChatClient.RepetitionPenaltyWindowPropertyName), window, $"1 to {SamplingOptions.MaxRepetitionPenaltyWindow}");

        var frequency = options?.FrequencyPenalty ?? (sampling ? defaults.FrequencyPenalty : 0f);
        if (!(Math.Abs(frequency) <= SamplingOptions.MaxPenalty))
            throw OutOfRange(nameof(ChatOptions.FrequencyPenalty), frequency, "in [-2, 2] (0 disables it)");

        var presence = options?.PresencePenalty ?? (sampling ? defaults.PresencePenalty : 0f);
        if (!(Math.Abs(presence) <= SamplingOptions.MaxPenalty))
            throw OutOfRange(nameof(ChatOptions.PresencePenalty), presence, "in [-2, 2] (0 disables it)");

        var maxTokens = options?.MaxOutputTokens ?? defaults.MaxOutputTokens;
        if (maxTokens is < 1)
            throw OutOfRange(nameof(ChatOptions.MaxOutputTokens), maxTokens, ">= 1, or null for the rest of the context");

        return new GenerationOptions
        {
            MaxTokens = maxTokens,
            Sampling = new SamplingOptions
            {
                Temperature = temperature,
                TopP = topP,
                TopK = topK,
                MinP = minP,
                TopNSigma = topNSigma,
                MinKeep = minKeep,
                RepetitionPenalty = repetition,
                RepetitionPenaltyWindow = window,
                FrequencyPenalty = frequency,
                PresencePenalty = presence,
                // Any 64-bit seed is valid; negative seeds are reinterpreted, not rejected.
                Seed = options?.Seed is { } seed ? unchecked((ulong)seed) : null,
            },
            StopSequences = CopyStopSequences(options?.StopSequences),
            ContextOverflow = defaults.ContextOverflowPolicy,
            SinkTokens = defaults.SlidingWindowSinkTokens,
            Constraint = ToConstraint(options),
        };
    }

    /// <summary>
    /// A request whose <see cref="ChatOptions.RawRepresentationFactory"/> made the engine's own <see cref="GenerationOptions"/>:
    /// they win, as Microsoft.Extensions.AI's providers treat native options. Only what they leave unset comes from the
    /// <see cref="ChatOptions"/>: <see cref="GenerationOptions.MaxTokens"/> (then the client default), an empty
    /// <see cref="GenerationOptions.StopSequences"/>, <see cref="SamplingOptions.Seed"/> and the
    /// <see cref="GenerationOptions.Constraint"/> (response format or tools).
    /// </summary>
    private static GenerationOptions FromNative(GenerationOptions native, ChatOptions options, BitNetChatClientOptions defaults)
    {
        var result = native with
        {
            MaxTokens = native.MaxTokens ?? options.MaxOutputTokens ?? defaults.MaxOutputTokens,
            StopSequences = native.StopSequences is { Count: > 0 } ? native.StopSequences : CopyStopSequences(options.StopSequences),
            Sampling = native.Sampling is { Seed: null } && options.Seed is { } seed
                ? native.Sampling with { Seed = unchecked((ulong)seed) }
                : native.Sampling,
            Constraint = native.Constraint ?? ToConstraint(options),
        };
        try
        {
            result.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"The GenerationOptions returned by ChatOptions.RawRepresentationFactory are invalid: {e.Message}", "options", e);
        }

        return result;
    }

    /// <summary>
    /// What constrains the request's output: a call of a callable function when <see cref="ChatOptions.ToolMode"/>
    /// requires one (this takes precedence over the response format); else the JSON response format; else, with callable
    /// functions in auto mode, text or a call with valid arguments (no constraint, only detection, when a parameter
    /// schema cannot be enforced).
    /// </summary>
    private static Func<BitNetTokenizer, ITokenConstraint>? ToConstraint(ChatOptions? options)
    {
        var functions = ToolCallFormat.CallableFunctions(options);
        if (functions.Count > 0 && options?.ToolMode is RequiredChatToolMode)
        {
            try
            {
                return ToolCallFormat.CallGrammar(functions).CreateConstraint;
            }
            catch (NotSupportedException e)
            {
                throw new NotSupportedException($"ChatOptions.ToolMode requires a call, but a function's parameter schema cannot be enforced: {e.Message}", e);
            }
        }

        if (ToGrammar(options?.ResponseFormat) is { } grammar) return grammar.CreateConstraint;
        if (functions.Count == 0) return null;
        try
        {
            return ToolCallFormat.CallGrammar(functions).CreateTextOrValueConstraint;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// The grammar a JSON response format asks for: <see cref="ChatResponseFormat.Json"/> (no schema) any JSON object, as
    /// OpenAI's JSON mode does; a schema its compiled grammar. Null for text.
    /// </summary>
    /// <exception cref="NotSupportedException">The schema uses a keyword constrained decoding cannot enforce (named in the message).</exception>
    public static JsonGrammar? ToGrammar(ChatResponseFormat? format)
    {
        if (format is not ChatResponseFormatJson json) return null;
        if (json.Schema is not { } schema) return JsonGrammar.AnyObject;
        try
        {
            return JsonGrammar.FromSchema(schema);
        }
        catch (NotSupportedException e)
        {
            throw new NotSupportedException($"ChatOptions.ResponseFormat has a JSON schema this client cannot enforce: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"ChatOptions.ResponseFormat has a malformed JSON schema: {e.Message}", "options", e);
        }
    }

    /// <summary>The number under <paramref name="name"/> in the request's additional properties, or null when there is none.</summary>
    private static float? ReadNumber(ChatOptions? options, string name) => (float?)ReadDouble(options, name);

    /// <summary>The whole number under <paramref name="name"/> in the request's additional properties, or null when there is none.</summary>
    private static int? ReadInteger(ChatOptions? options, string name)
    {
        if (ReadDouble(options, name) is not { } value) return null;
        if (value != Math.Floor(value) || value is < int.MinValue or > int.MaxValue)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"ChatOptions.{Property(name)} must be a whole number; got {value}."), "options");
        return (int)value;
    }

    private static double? ReadDouble(ChatOptions? options, string name)
    {
        if (options?.AdditionalProperties is not { } properties || !properties.TryGetValue(name, out var value) || value is null)
            return null;

        return value switch
        {
            float f => f,
            double d => d,
            decimal m => (double)m,
            int i => i,
            long l => l,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            JsonElement { ValueKind: JsonValueKind.Number } json => json.GetDouble(),
            _ => throw new ArgumentException(
                $"ChatOptions.{Property(name)} must be a number; got {value.GetType().Name} '{value}'.", "options"),
        };
    }

    private static string Property(string name) => $"AdditionalProperties[\"{name}\"]";

    private static string[] CopyStopSequences(IList<string>? stopSequences)
    {
        if (stopSequences is null || stopSequences.Count == 0) return [];
        var copy = new List<string>(stopSequences.Count);
        foreach (var stop in stopSequences)
            if (!string.IsNullOrEmpty(stop)) copy.Add(stop);
        return [.. copy];
    }

    private static ArgumentOutOfRangeException OutOfRange(string option, object? value, string allowed) =>
        new("options", value, string.Create(CultureInfo.InvariantCulture, $"ChatOptions.{option} must be {allowed}; got {value}."));
}
