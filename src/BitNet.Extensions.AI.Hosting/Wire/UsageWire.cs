using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Hosting.Wire;

/// <summary><c>usage</c>: token counts of a completion.</summary>
internal sealed class UsageWire
{
    public long PromptTokens { get; init; }
    public long CompletionTokens { get; init; }
    public long TotalTokens { get; init; }
    public PromptTokensDetailsWire? PromptTokensDetails { get; init; }

    public static UsageWire From(UsageDetails usage)
    {
        var prompt = usage.InputTokenCount ?? 0;
        var completion = usage.OutputTokenCount ?? 0;
        return new UsageWire
        {
            PromptTokens = prompt,
            CompletionTokens = completion,
            TotalTokens = usage.TotalTokenCount ?? prompt + completion,
            PromptTokensDetails = new PromptTokensDetailsWire { CachedTokens = usage.CachedInputTokenCount ?? 0 },
        };
    }
}

/// <summary><c>usage.prompt_tokens_details</c>: prompt tokens served from a retained KV cache.</summary>
internal sealed class PromptTokensDetailsWire
{
    public long CachedTokens { get; init; }
}
