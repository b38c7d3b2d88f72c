namespace BitNet.Runtime.Sampling;

/// <summary>
/// How the next token is chosen from the model's logits. Immutable; one instance may be shared by many samplers.
/// </summary>
/// <remarks>
/// <para>
/// With <see cref="Temperature"/> 0 decoding is greedy and every other option is ignored. Otherwise the filters are
/// applied in this fixed order: <see cref="TopK"/> on the raw logits, then temperature and softmax, then
/// <see cref="MinP"/>, then <see cref="TopP"/>; see <see cref="Sampler"/> for the exact definitions.
/// </para>
/// <para>Call <see cref="Validate"/> (the <see cref="Sampler"/> constructor does) before use.</para>
/// </remarks>
public sealed record SamplingOptions
{
    private static readonly SamplingOptions s_greedy = new() { Temperature = 0f };

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
    /// Seed of the sampler's random number generator. The same seed and the same sequence of logits give the same
    /// tokens. <see langword="null"/> seeds from a cryptographic random source. Default <see langword="null"/>.
    /// </summary>
    public ulong? Seed { get; init; }

    /// <summary>Greedy decoding: <see cref="Temperature"/> 0, everything else at its default.</summary>
    public static SamplingOptions Greedy => s_greedy;

    /// <summary>Whether these options select greedy decoding (<see cref="Temperature"/> is 0).</summary>
    public bool IsGreedy => Temperature == 0f;

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
    }

    private static ArgumentOutOfRangeException OutOfRange(string name, object value, string rule) =>
        new(name, value, $"{nameof(SamplingOptions)}.{name} {rule}; got {value}.");
}
