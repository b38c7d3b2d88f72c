using BitNet.Runtime.Generation;
using BitNet.Runtime.KvCache;
using BitNet.Runtime.Model;

namespace BitNet.Extensions.AI.Tests;

public sealed class BitNetChatClientOptionsValidatorTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        Assert.Empty(BitNetChatClientOptionsValidator.GetFailures(new BitNetChatClientOptions()));
    }

    public static TheoryData<Action<BitNetChatClientOptions>, string> Invalid => new()
    {
        { o => o.Temperature = -1, "BitNetChatClientOptions.Temperature is -1; allowed: finite and >= 0" },
        { o => o.Temperature = float.PositiveInfinity, "BitNetChatClientOptions.Temperature is Infinity" },
        { o => o.TopP = 0, "BitNetChatClientOptions.TopP is 0; allowed: (0, 1]" },
        { o => o.TopK = -5, "BitNetChatClientOptions.TopK is -5; allowed: >= 0" },
        { o => o.MinP = 1, "BitNetChatClientOptions.MinP is 1; allowed: [0, 1)" },
        { o => o.MaxOutputTokens = 0, "BitNetChatClientOptions.MaxOutputTokens is 0; allowed: >= 1" },
        { o => o.Threads = 0, "BitNetChatClientOptions.Threads is 0; allowed: 1 to 1024" },
        { o => o.Threads = 1025, "BitNetChatClientOptions.Threads is 1025; allowed: 1 to 1024" },
        { o => o.ContextLength = 0, "BitNetChatClientOptions.ContextLength is 0; allowed: >= 1" },
        { o => o.MaxConcurrentRequests = 0, "BitNetChatClientOptions.MaxConcurrentRequests is 0; allowed: >= 1" },
        { o => o.ActivationQuantization = (ActivationQuantization)7, "BitNetChatClientOptions.ActivationQuantization is 7; allowed: one of None, Int8PerToken, Int8PerBlock" },
        { o => o.ModelId = " ", "BitNetChatClientOptions.ModelId is \" \"" },
        { o => o.ContextOverflowPolicy = (ContextOverflowPolicy)5, "BitNetChatClientOptions.ContextOverflowPolicy is 5; allowed: one of Error, SlidingWindow" },
        { o => o.SlidingWindowSinkTokens = -1, "BitNetChatClientOptions.SlidingWindowSinkTokens is -1; allowed: 0 to half the context length" },
        { o => o.MaxRetainedKvCacheBytes = -1, "BitNetChatClientOptions.MaxRetainedKvCacheBytes is -1; allowed: >= 0" },
        { o => o.HeadQuantization = (HeadQuantization)3, "BitNetChatClientOptions.HeadQuantization is 3; allowed: one of AsStored, Int8" },
        { o => o.KvCache = (KvCacheType)42, "BitNetChatClientOptions.KvCache is 42; allowed: one of F32, F16, BF16, Fp8E4M3" },
        { o => o.TopNSigma = -1, "BitNetChatClientOptions.TopNSigma is -1; allowed: finite and >= 0" },
        { o => o.TopNSigma = float.NaN, "BitNetChatClientOptions.TopNSigma is NaN" },
        { o => o.MinKeep = 0, "BitNetChatClientOptions.MinKeep is 0; allowed: 1 to 256" },
        { o => o.RepetitionPenalty = 0, "BitNetChatClientOptions.RepetitionPenalty is 0; allowed: finite and > 0 (1 disables it)" },
        { o => o.RepetitionPenaltyWindow = 0, "BitNetChatClientOptions.RepetitionPenaltyWindow is 0; allowed: 1 to 131072" },
        { o => o.FrequencyPenalty = 2.5f, "BitNetChatClientOptions.FrequencyPenalty is 2.5; allowed: [-2, 2]" },
        { o => o.PresencePenalty = float.NaN, "BitNetChatClientOptions.PresencePenalty is NaN; allowed: [-2, 2]" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidValues_NameTheOptionTheValueAndTheRange(Action<BitNetChatClientOptions> configure, string expected)
    {
        var options = new BitNetChatClientOptions();
        configure(options);
        var failure = Assert.Single(BitNetChatClientOptionsValidator.GetFailures(options));
        Assert.StartsWith(expected, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryFailure_IsReported()
    {
        var options = new BitNetChatClientOptions { Temperature = -1, TopK = -1 };
        var result = new BitNetChatClientOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Equal(2, result.Failures!.Count());
    }
}
