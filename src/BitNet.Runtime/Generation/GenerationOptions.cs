using BitNet.Runtime.Sampling;

namespace BitNet.Runtime.Generation;

/// <summary>What to generate: how many tokens, how to sample them, and when to stop.</summary>
public sealed record GenerationOptions
{
    /// <summary>The most tokens to generate; null means until the context is full. Clamped to the room left in the context.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>How the next token is chosen.</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Strings that end generation when they appear in the text (matched across token boundaries; never emitted).</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option when a value is out of range.</summary>
    public void Validate()
    {
        if (MaxTokens is < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "MaxTokens must be at least 1, or null for the rest of the context.");
        ArgumentNullException.ThrowIfNull(Sampling);
        ArgumentNullException.ThrowIfNull(StopSequences);
        Sampling.Validate();
    }
}
