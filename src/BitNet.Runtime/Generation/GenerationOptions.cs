using BitNet.Runtime.Sampling;
using BitNet.Runtime.Tokenization;

namespace BitNet.Runtime.Generation;

/// <summary>What to generate: how many tokens, how to sample them, and when to stop.</summary>
public sealed record GenerationOptions
{
    /// <summary>
    /// The most tokens to generate; null means until the context is full (<see cref="GenerationFinishReason.ContextFull"/>),
    /// with either <see cref="ContextOverflow"/> policy. A limit the context cannot hold is an error under
    /// <see cref="ContextOverflowPolicy.Error"/> and slides the window under <see cref="ContextOverflowPolicy.SlidingWindow"/>.
    /// The last generated token is never evaluated, so the prompt plus the limit may exceed the room left by one.
    /// </summary>
    public int? MaxTokens { get; init; }

    /// <summary>What happens when the prompt or the requested output does not fit in the context. Default: an error.</summary>
    public ContextOverflowPolicy ContextOverflow { get; init; } = ContextOverflowPolicy.Error;

    /// <summary>
    /// With <see cref="ContextOverflowPolicy.SlidingWindow"/>: how many leading tokens of the sequence (the beginning of
    /// the prompt, its beginning-of-sequence token included) are always kept. Null (the default) keeps everything the
    /// sequence holds before the first generated token (the whole prompt), up to half the context. An explicit value
    /// must be from 0 to half the context length. Ignored by <see cref="ContextOverflowPolicy.Error"/>.
    /// </summary>
    public int? SinkTokens { get; init; }

    /// <summary>How the next token is chosen.</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Strings that end generation when they appear in the text (matched across token boundaries; never emitted).</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>
    /// Creates the constraint that restricts the tokens of one generation (for example
    /// <see cref="Constraints.JsonGrammar.CreateConstraint"/>), called once per run with the model's tokenizer; null: no
    /// constraint. See <see cref="ITokenConstraint"/>.
    /// </summary>
    public Func<BitNetTokenizer, ITokenConstraint>? Constraint { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option when a value is out of range.</summary>
    public void Validate()
    {
        if (MaxTokens is < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "MaxTokens must be at least 1, or null for the rest of the context.");
        if (!Enum.IsDefined(ContextOverflow))
            throw new ArgumentOutOfRangeException(nameof(ContextOverflow), ContextOverflow, $"Allowed: {string.Join(", ", Enum.GetNames<ContextOverflowPolicy>())}.");
        if (SinkTokens is < 0)
            throw new ArgumentOutOfRangeException(nameof(SinkTokens), SinkTokens, "SinkTokens must be from 0 to half the context length, or null for the whole prompt.");
        ArgumentNullException.ThrowIfNull(Sampling);
        ArgumentNullException.ThrowIfNull(StopSequences);
        Sampling.Validate();
    }
}
