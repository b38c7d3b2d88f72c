namespace BitNet.Runtime.Sampling;

/// <summary>
/// How the next token is chosen from the model's logits. Immutable; one instance may be shared by many samplers.
/// </summary>
/// <remarks>
/// <para>
/// The penalties (<see cref="RepetitionPenalty"/>, <see cref="FrequencyPenalty"/>, <see cref="PresencePenalty"/>)
/// change the logits first, greedy decoding included. With <see cref="Temperature"/> 0 decoding is then greedy (the
/// argmax of the penalised logits) and the filters are ignored. Otherwise the filters are applied in this fixed order:
/// <see cref="TopK"/> and <see cref="TopNSigma"/> on the penalised logits, then temperature and softmax, then
/// <see cref="MinP"/>, then <see cref="TopP"/> (never below <see cref="MinKeep"/>); see <see cref="Sampler"/> for the
/// exact definitions.
/// </para>
/// <para>Call <see cref="Validate"/> (the <see cref="Sampler"/> constructor does) before use.</para>
/// </remarks>
public sealed record SamplingOptions
{
    private static readonly SamplingOptions s_greedy = new() { Temperature = 0f };
    private static readonly SamplingOptions s_adaptive = new()
    {
        Temperature = 1f, TopK = 40, TopNSigma = 2f, TopP = 0.95f, MinKeep = 3, RepetitionPenalty = 1.1f, RepetitionPenaltyWindow = 64,
    };

    /// <summary>
    /// Divides the logits before the softmax: below 1 sharpens the distribution, above 1 flattens it.
    /// 0 selects greedy decoding (argmax). Must be finite and &gt;= 0. Default 1.
    /// </summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>
    /// Keeps only the <c>TopK</c> largest logits (ties broken in favour of the lower token id). 0 disables the filter.
    /// Must be &gt;= 0; a value at or above the vocabulary size keeps every token. Default 0.
    /// </summary>
    public int TopK { get; init; }

    /// <summary>
    /// Nucleus sampling: keeps the smallest set of most probable tokens whose cumulative probability reaches
    /// <c>TopP</c>. Must be in (0, 1]; 1 disables the filter. Default 1.
    /// </summary>
    public float TopP { get; init; } = 1f;

    /// <summary>
    /// Keeps only tokens whose probability is at least <c>MinP</c> times that of the most probable token.
    /// Must be in [0, 1); 0 disables the filter. Default 0.
    /// </summary>
    public float MinP { get; init; }

    /// <summary>
    /// Top-nσ: keeps the tokens whose (penalised, top-k-filtered) logit is at least <c>max − TopNSigma · σ</c>, where σ
    /// is the population standard deviation of those logits, taken before temperature (so the kept set does not depend on
    /// the temperature). Must be finite and &gt;= 0; 0 (the default) disables the filter; 2 is the usual value.
    /// </summary>
    public float TopNSigma { get; init; }

    /// <summary>
    /// The fewest tokens <see cref="TopP"/> keeps (when that many are still candidates): the nucleus is extended to the
    /// <c>MinKeep</c> most probable candidates when it is shorter. Must be 1 to <see cref="MaxMinKeep"/>. Default 1.
    /// </summary>
    public int MinKeep { get; init; } = 1;

    /// <summary>
    /// CTRL-style repetition penalty over the last <see cref="RepetitionPenaltyWindow"/> tokens of the sequence (prompt
    /// included): each distinct token there has a positive logit divided by it and a negative logit multiplied by it.
    /// Must be finite and &gt; 0; 1 (the default) disables it; above 1 discourages repeats, below 1 encourages them.
    /// </summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>
    /// How many of the most recent tokens (prompt and generated) <see cref="RepetitionPenalty"/> looks at.
    /// Must be 1 to <see cref="MaxRepetitionPenaltyWindow"/>. Default 64.
    /// </summary>
    public int RepetitionPenaltyWindow { get; init; } = 64;

    /// <summary>
    /// OpenAI-style frequency penalty: subtracted from a token's logit once per time the sampler has already generated
    /// that token in this sequence (the prompt does not count). Must be in [-2, 2]; 0 (the default) disables it.
    /// </summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>
    /// OpenAI-style presence penalty: subtracted once from the logit of every token the sampler has already generated in
    /// this sequence (the prompt does not count). Must be in [-2, 2]; 0 (the default) disables it.
    /// </summary>
    public float PresencePenalty { get; init; }

    /// <summary>
    /// Seed of the sampler's random number generator. The same seed and the same sequence of logits give the same
    /// tokens. <see langword="null"/> seeds from a cryptographic random source. Default <see langword="null"/>.
    /// </summary>
    public ulong? Seed { get; init; }

    /// <summary>The largest <see cref="MinKeep"/>: the most candidates top-p orders without a full sort.</summary>
    public const int MaxMinKeep = 256;

    /// <summary>The largest <see cref="RepetitionPenaltyWindow"/> (the window is allocated up front).</summary>
    public const int MaxRepetitionPenaltyWindow = 131_072;

    /// <summary>The largest magnitude of <see cref="FrequencyPenalty"/> and <see cref="PresencePenalty"/> (OpenAI's range).</summary>
    public const float MaxPenalty = 2f;

    /// <summary>Greedy decoding: <see cref="Temperature"/> 0, everything else at its default.</summary>
    public static SamplingOptions Greedy => s_greedy;

    /// <summary>
    /// The adaptive sampler, the default of <c>AddBitNetChatClient</c> and of <c>bitnet generate</c>/<c>chat</c>:
    /// temperature 1; top-k 40; top-nσ 2 over those 40 (keep logits within 2σ of the best, σ over the top 40); the
    /// 0.95 nucleus of what is left, never fewer than 3 tokens; repetition penalty 1.1 over the last 64 tokens. Chosen by
    /// measurement on the shipped model (docs/benchmarks.md, "Sampler settings measured"): against temperature 0.8 with
    /// top-p 0.9 it halves the 3-gram repetition rate and raises the model's likelihood of the sampled text.
    /// </summary>
    public static SamplingOptions Adaptive => s_adaptive;

    /// <summary>Whether these options select greedy decoding (<see cref="Temperature"/> is 0).</summary>
    public bool IsGreedy => Temperature == 0f;

    /// <summary>Whether any penalty is active, i.e. the logits are changed before the filters.</summary>
    public bool HasPenalties => RepetitionPenalty != 1f || FrequencyPenalty != 0f || PresencePenalty != 0f;

    /// <summary>Checks every option against its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// An option is out of range; <see cref="ArgumentException.ParamName"/> names it and
    /// <see cref="ArgumentOutOfRangeException.ActualValue"/> holds its value.
    /// </exception>
    public void Validate()
    {
        // Written as negated comparisons so that NaN fails each check.
        if (!(Temperature >= 0f && float.IsFinite(Temperature)))
            throw OutOfRange(nameof(Temperature), Temperature, "must be finite and >= 0 (0 selects greedy decoding)");
        if (TopK < 0)
            throw OutOfRange(nameof(TopK), TopK, "must be >= 0 (0 disables top-k)");
        if (!(TopP > 0f && TopP <= 1f))
            throw OutOfRange(nameof(TopP), TopP, "must be in the range (0, 1] (1 disables top-p)");
        if (!(MinP >= 0f && MinP < 1f))
            throw OutOfRange(nameof(MinP), MinP, "must be in the range [0, 1) (0 disables min-p)");
        if (!(TopNSigma >= 0f && float.IsFinite(TopNSigma)))
            throw OutOfRange(nameof(TopNSigma), TopNSigma, "must be finite and >= 0 (0 disables top-n-sigma; 2 is usual)");
        if (MinKeep is < 1 or > MaxMinKeep)
            throw OutOfRange(nameof(MinKeep), MinKeep, $"must be in the range [1, {MaxMinKeep}]");
        if (!(RepetitionPenalty > 0f && float.IsFinite(RepetitionPenalty)))
            throw OutOfRange(nameof(RepetitionPenalty), RepetitionPenalty, "must be finite and > 0 (1 disables it; above 1 discourages repeats)");
        if (RepetitionPenaltyWindow is < 1 or > MaxRepetitionPenaltyWindow)
            throw OutOfRange(nameof(RepetitionPenaltyWindow), RepetitionPenaltyWindow, $"must be in the range [1, {MaxRepetitionPenaltyWindow}]");
        if (!(FrequencyPenalty >= -MaxPenalty && FrequencyPenalty <= MaxPenalty))
            throw OutOfRange(nameof(FrequencyPenalty), FrequencyPenalty, "must be in the range [-2, 2] (0 disables it)");
        if (!(PresencePenalty >= -MaxPenalty && PresencePenalty <= MaxPenalty))
            throw OutOfRange(nameof(PresencePenalty), PresencePenalty, "must be in the range [-2, 2] (0 disables it)");
    }

    private static ArgumentOutOfRangeException OutOfRange(string name, object value, string rule) =>
        new(name, value, $"{nameof(SamplingOptions)}.{name} {rule}; got {value}.");
}
