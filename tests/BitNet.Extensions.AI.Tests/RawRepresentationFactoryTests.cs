using BitNet.Runtime.Generation;
using BitNet.Runtime.Sampling;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>
/// <see cref="ChatOptions.RawRepresentationFactory"/> returning the engine's <see cref="GenerationOptions"/>: native
/// settings win, <see cref="ChatOptions"/> fill only what they leave unset.
/// </summary>
public sealed class RawRepresentationFactoryTests
{
    private static readonly BitNetChatClientOptions s_defaults = new() { MaxOutputTokens = 77 };

    [Fact]
    public void NativeOptions_Win_OverTheTypedChatOptions()
    {
        var native = new GenerationOptions
        {
            MaxTokens = 12,
            Sampling = new SamplingOptions { Temperature = 0.3f, TopK = 7, Seed = 5 },
            StopSequences = ["native"],
        };
        var options = new ChatOptions
        {
            Temperature = 1.5f, TopK = 99, Seed = 9, MaxOutputTokens = 50, StopSequences = ["typed"],
            RawRepresentationFactory = _ => native,
        };

        var generation = ChatOptionsTranslator.ToGenerationOptions(options, s_defaults);

        Assert.Equal(12, generation.MaxTokens);
        Assert.Same(native.Sampling, generation.Sampling);
        Assert.Equal(["native"], generation.StopSequences);
        Assert.Equal(50, options.MaxOutputTokens); // the caller's options are only read
    }

    [Fact]
    public void WhatNativeOptionsLeaveUnset_ComesFromTheChatOptions_ThenTheClientDefaults()
    {
        var native = new GenerationOptions { Sampling = new SamplingOptions { Temperature = 0.3f } };
        var options = new ChatOptions
        {
            Seed = 9, StopSequences = ["typed"], ResponseFormat = ChatResponseFormat.Json,
            RawRepresentationFactory = _ => native,
        };

        var generation = ChatOptionsTranslator.ToGenerationOptions(options, s_defaults);

        Assert.Equal(77, generation.MaxTokens);
        Assert.Equal(9UL, generation.Sampling.Seed);
        Assert.Equal(0.3f, generation.Sampling.Temperature);
        Assert.Equal(["typed"], generation.StopSequences);
        Assert.NotNull(generation.Constraint);
        Assert.Null(native.Sampling.Seed); // the native object is copied, not changed
    }

    [Fact]
    public void AFactoryReturningSomethingElse_IsIgnored_AndReceivesTheClient()
    {
        object? received = null;
        var options = new ChatOptions { TopK = 3, RawRepresentationFactory = client => { received = client; return "not ours"; } };
        using var client = SharedModel.CreateClient();

        var generation = ChatOptionsTranslator.ToGenerationOptions(options, s_defaults, client);

        Assert.Equal(3, generation.Sampling.TopK);
        Assert.Same(client, received);
    }

    [Fact]
    public void InvalidNativeOptions_AreReportedAsSuch()
    {
        var options = new ChatOptions { RawRepresentationFactory = _ => new GenerationOptions { MaxTokens = 0 } };
        var error = Assert.Throws<ArgumentException>(() => ChatOptionsTranslator.ToGenerationOptions(options, s_defaults));
        Assert.Contains("RawRepresentationFactory", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxTokens", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheClient_GeneratesWithTheNativeOptions()
    {
        using var client = SharedModel.CreateClient();
        var prompt = SharedModel.Prompts[0];
        var options = new ChatOptions
        {
            Temperature = 1.5f, // overridden by the native greedy sampling below
            RawRepresentationFactory = _ => SharedModel.Greedy(maxTokens: 20),
        };

        var response = await client.GetResponseAsync(prompt.Prompt, options);

        var (expected, generation) = SharedModel.Engine(prompt.Prompt, SharedModel.Greedy(maxTokens: 20));
        Assert.Equal(expected, response.Text);
        Assert.Equal(generation.GeneratedIds.Count, response.Usage?.OutputTokenCount);
    }
}
