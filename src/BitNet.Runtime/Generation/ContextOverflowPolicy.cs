namespace BitNet.Runtime.Generation;

/// <summary>What a generation does when the sequence would need more positions than the context holds.</summary>
public enum ContextOverflowPolicy
{
    /// <summary>
    /// Fail before evaluating anything, with <see cref="ContextLengthExceededException"/> naming the lengths, when the
    /// prompt does not fit or the prompt plus an explicit <see cref="GenerationOptions.MaxTokens"/> does not fit. With no
    /// token limit, generation stops when the context is full (<see cref="GenerationFinishReason.ContextFull"/>). Nothing
    /// is ever dropped.
    /// </summary>
    Error,

    /// <summary>
    /// Drop the middle of the sequence: keep the leading <see cref="GenerationOptions.SinkTokens"/> ("attention sink":
    /// the beginning of the prompt) and the most recent tokens, so that generation can go on past the end of the context
    /// and a prompt longer than the context is accepted. Each shift keeps half of the non-sink positions and
    /// re-evaluates those kept tokens at their new positions (their cached keys carry rotary embeddings of the old
    /// positions), which costs a prefill of about (context − sink) / 2 tokens per (context − sink) / 2 generated tokens.
    /// </summary>
    SlidingWindow,
}
