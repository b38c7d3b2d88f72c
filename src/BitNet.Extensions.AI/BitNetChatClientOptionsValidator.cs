using System.Globalization;
using BitNet.Runtime.Generation;
using BitNet.Runtime.KvCache;
using BitNet.Runtime.Model;
using BitNet.Runtime.Sampling;
using Microsoft.Extensions.Options;

namespace BitNet.Extensions.AI;

/// <summary>
/// Checks <see cref="BitNetChatClientOptions"/>: every failure names the option, its value and the allowed range.
/// Used by dependency injection (with <c>ValidateOnStart</c>) and by the constructors that take options directly.
/// </summary>
internal sealed class BitNetChatClientOptionsValidator : IValidateOptions<BitNetChatClientOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BitNetChatClientOptions options)
    {
        var failures = GetFailures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid option.</summary>
    public static void ThrowIfInvalid(BitNetChatClientOptions options, string paramName)
    {
        var failures = GetFailures(options);
        if (failures.Count > 0) throw new ArgumentException(string.Join(" ", failures), paramName);
    }

    /// <summary>One message per invalid option; empty when all are valid.</summary>
    public static List<string> GetFailures(BitNetChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (!Enum.IsDefined(options.ActivationQuantization))
            failures.Add(Failure(nameof(options.ActivationQuantization), options.ActivationQuantization,
                $"one of {string.Join(", ", Enum.GetNames<ActivationQuantization>())}"));
        if (!Enum.IsDefined(options.HeadQuantization))
            failures.Add(Failure(nameof(options.HeadQuantization), options.HeadQuantization, $"one of {string.Join(", ", Enum.GetNames<HeadQuantization>())}"));
        if (!Enum.IsDefined(options.KvCache))
            failures.Add(Failure(nameof(options.KvCache), options.KvCache, $"one of {string.Join(", ", Enum.GetNames<KvCacheType>())}"));
        if (options.Threads is < 1 or > 1024)
            failures.Add(Failure(nameof(options.Threads), options.Threads, "1 to 1024, or null for the physical cores"));
        if (options.ContextLength is < 1)
            failures.Add(Failure(nameof(options.ContextLength), options.ContextLength, ">= 1, or null for the model's trained context length"));
        if (!Enum.IsDefined(options.ContextOverflowPolicy))
            failures.Add(Failure(nameof(options.ContextOverflowPolicy), options.ContextOverflowPolicy,
                $"one of {string.Join(", ", Enum.GetNames<ContextOverflowPolicy>())}"));
        if (options.SlidingWindowSinkTokens is < 0)
            failures.Add(Failure(nameof(options.SlidingWindowSinkTokens), options.SlidingWindowSinkTokens,
                "0 to half the context length, or null for the first message"));
        if (options.MaxRetainedKvCacheBytes is < 0)
            failures.Add(Failure(nameof(options.MaxRetainedKvCacheBytes), options.MaxRetainedKvCacheBytes,
                ">= 0, or null for at most MaxConcurrentRequests idle sessions"));
        if (options.MaxConcurrentRequests < 1)
            failures.Add(Failure(nameof(options.MaxConcurrentRequests), options.MaxConcurrentRequests, ">= 1"));
        // Negated comparisons so that NaN fails each check.
        if (!(options.Temperature >= 0f && float.IsFinite(options.Temperature)))
            failures.Add(Failure(nameof(options.Temperature), options.Temperature, "finite and >= 0 (0 selects greedy decoding)"));
        if (!(options.TopP > 0f && options.TopP <= 1f))
            failures.Add(Failure(nameof(options.TopP), options.TopP, "(0, 1] (1 disables top-p)"));
        if (options.TopK < 0)
            failures.Add(Failure(nameof(options.TopK), options.TopK, ">= 0 (0 disables top-k)"));
        if (!(options.MinP >= 0f && options.MinP < 1f))
            failures.Add(Failure(nameof(options.MinP), options.MinP, "[0, 1) (0 disables min-p)"));
        if (!(options.TopNSigma >= 0f && float.IsFinite(options.TopNSigma)))
            failures.Add(Failure(nameof(options.TopNSigma), options.TopNSigma, "finite and >= 0 (0 disables top-n-sigma)"));
        if (options.MinKeep is < 1 or > SamplingOptions.MaxMinKeep)
            failures.Add(Failure(nameof(options.MinKeep), options.MinKeep, $"1 to {SamplingOptions.MaxMinKeep}"));
        if (!(options.RepetitionPenalty > 0f && float.IsFinite(options.RepetitionPenalty)))
            failures.Add(Failure(nameof(options.RepetitionPenalty), options.RepetitionPenalty, "finite and > 0 (1 disables it)"));
        if (options.RepetitionPenaltyWindow is < 1 or > SamplingOptions.MaxRepetitionPenaltyWindow)
            failures.Add(Failure(nameof(options.RepetitionPenaltyWindow), options.RepetitionPenaltyWindow, $"1 to {SamplingOptions.MaxRepetitionPenaltyWindow}"));
        if (!(Math.Abs(options.FrequencyPenalty) <= SamplingOptions.MaxPenalty))
            failures.Add(Failure(nameof(options.FrequencyPenalty), options.FrequencyPenalty, "[-2, 2] (0 disables it)"));
        if (!(Math.Abs(options.PresencePenalty) <= SamplingOptions.MaxPenalty))
            failures.Add(Failure(nameof(options.PresencePenalty), options.PresencePenalty, "[-2, 2] (0 disables it)"));
        if (options.MaxOutputTokens is < 1)
            failures.Add(Failure(nameof(options.MaxOutputTokens), options.MaxOutputTokens, ">= 1, or null for the rest of the context"));
        if (options.WarmUpMaxTokens is < 1 or > 256)
            failures.Add(Failure(nameof(options.WarmUpMaxTokens), options.WarmUpMaxTokens, "1 to 256"));
        if (options.WarmUpPrompts is null)
            failures.Add(Failure(nameof(options.WarmUpPrompts), "null", "a list of prompts (empty for none)"));
        if (options.ModelId is { } modelId && string.IsNullOrWhiteSpace(modelId))
            failures.Add(Failure(nameof(options.ModelId), $"\"{modelId}\"", "a non-blank id, or null for the model's own id"));
        if (options.Preprocessing is null)
            failures.Add(Failure(nameof(options.Preprocessing), "null", "preprocessing options (Enabled = false turns preprocessing off)"));
        else
            failures.AddRange(BitNetPreprocessingOptionsValidator.GetFailures(options.Preprocessing, $"{nameof(BitNetChatClientOptions)}.{nameof(options.Preprocessing)}"));

        return failures;
    }

    private static string Failure(string option, object? value, string allowed) =>
        string.Create(CultureInfo.InvariantCulture, $"{nameof(BitNetChatClientOptions)}.{option} is {value ?? "null"}; allowed: {allowed}.");
}
