namespace BitNet.Runtime.Generation;

/// <summary>Why generation ended.</summary>
public enum GenerationFinishReason
{
    /// <summary>The model produced an end-of-sequence or end-of-turn token.</summary>
    EndOfSequence,

    /// <summary>A stop sequence appeared in the text.</summary>
    StopSequence,

    /// <summary>The requested number of tokens was generated.</summary>
    MaxTokens,

    /// <summary>The context has no room for another token.</summary>
    ContextFull,
}
