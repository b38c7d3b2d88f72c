using BitNet.Runtime.Generation;
using BitNet.Runtime.Sampling;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>The adaptive sampler and the penalties through <see cref="IChatClient"/>: the same tokens as the engine.</summary>
public sealed class SamplingEndToEndTests
{
    [Fact]
    public async Task DefaultRequest_IsTheAdaptiveSampler_ReproducibleWithASeed()
    {
        using var client = SharedModel.CreateClient();
        var options = new ChatOptions { Seed = 7, MaxOutputTokens = 40 };
        var first = await client.GetResponseAsync("Once upon a time", options);
        var second = await client.GetResponseAsync("Once upon a time", options);
        Assert.Equal(first.Text, second.Text);

        // The engine with SamplingOptions.Adaptive and the prompt in the repetition window gives the same text.
        var engine = SharedModel.Engine("Once upon a time", new GenerationOptions { MaxTokens = 40, Sampling = SamplingOptions.Adaptive with { Seed = 7 } });
        Assert.Equal(engine.Text, first.Text);
    }

    [Fact]
    public async Task GreedyWithAPresencePenalty_ChangesTheAnswer_AsTheEngineDoes()
    {
        using var client = SharedModel.CreateClient();
        var plain = await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(48));
        Assert.Equal(SharedModel.Engine("Once upon a time", SharedModel.Greedy(48)).Text, plain.Text);

        var penalised = await client.GetResponseAsync("Once upon a time", new ChatOptions { Temperature = 0, MaxOutputTokens = 48, PresencePenalty = 1.5f });
        Assert.NotEqual(plain.Text, penalised.Text);
        var engine = SharedModel.Engine("Once upon a time",
            new GenerationOptions { MaxTokens = 48, Sampling = SamplingOptions.Greedy with { PresencePenalty = 1.5f } });
        Assert.Equal(engine.Text, penalised.Text);
    }
}
