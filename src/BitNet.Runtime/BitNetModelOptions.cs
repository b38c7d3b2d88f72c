using BitNet.Runtime.Model;

namespace BitNet.Runtime;

/// <summary>How to load and run a model.</summary>
public sealed record BitNetModelOptions
{
    /// <summary>The GGUF file; null means the default model that ships with the library.</summary>
    public string? ModelPath { get; init; }

    /// <summary>How BitLinear inputs are treated. Default: <see cref="ActivationQuantization.Int8PerToken"/>, the semantics the model was trained with.</summary>
    public ActivationQuantization ActivationQuantization { get; init; } = ActivationQuantization.Int8PerToken;

    /// <summary>Positions per sequence; null means the model's trained context length. Cannot exceed it.</summary>
    public int? ContextLength { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option when a value is out of range.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(ActivationQuantization))
            throw new ArgumentOutOfRangeException(nameof(ActivationQuantization), ActivationQuantization, "Allowed: None, Int8PerToken.");
        if (ContextLength is < 1)
            throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "ContextLength must be at least 1 (or null for the model's own).");
    }
}
