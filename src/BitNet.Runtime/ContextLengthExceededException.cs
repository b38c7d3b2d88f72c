namespace BitNet.Runtime;

/// <summary>A sequence would need more positions than the context holds.</summary>
public sealed class ContextLengthExceededException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public ContextLengthExceededException(int requiredTokens, int contextLength, string? detail = null)
        : base($"The sequence needs {requiredTokens} tokens but the context holds {contextLength}. " +
               (detail ?? "Shorten the prompt, lower the output limit, or raise ContextLength up to the model's trained length."))
    {
        RequiredTokens = requiredTokens;
        ContextLength = contextLength;
    }

    /// <summary>The positions the sequence needs.</summary>
    public int RequiredTokens { get; }

    /// <summary>The positions available.</summary>
    public int ContextLength { get; }
}
