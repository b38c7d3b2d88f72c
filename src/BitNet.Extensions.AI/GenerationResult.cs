using BitNet.Runtime.Generation;

namespace BitNet.Extensions.AI;

/// <summary>How one request ended.</summary>
/// <param name="Text">The generated text when it was collected (non-streaming); null when it was streamed.</param>
/// <param name="FinishReason">Why generation ended.</param>
/// <param name="InputTokenCount">Tokens in the prompt, the beginning-of-sequence token included.</param>
/// <param name="OutputTokenCount">Tokens generated, a final end-of-sequence token included.</param>
/// <param name="CachedInputTokenCount">Prompt tokens served from a retained KV cache instead of being evaluated.</param>
internal readonly record struct GenerationResult(string? Text, GenerationFinishReason FinishReason, int InputTokenCount, int OutputTokenCount,
    int CachedInputTokenCount);
