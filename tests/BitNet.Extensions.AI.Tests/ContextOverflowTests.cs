using BitNet.Runtime;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Model;
using BitNet.Runtime.Sampling;
using BitNet.Tests;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>BitNetChatClientOptions.ContextOverflowPolicy through IChatClient, on the shipped model with a 16-token context.</summary>
public sealed class ContextOverflowTests : IDisposable
{
    private const int Context = 16;
    private readonly BitNetModel _model = TinyModel.Load(ActivationQuantization.None, Context);

    public void Dispose() => _model.Dispose();

    private BitNetChatClient Client(ContextOverflowPolicy policy, int? sink = null) =>
        new(new BitNetRuntime(_model), new BitNetChatClientOptions { ContextOverflowPolicy = policy, SlidingWindowSinkTokens = sink });

    [Fact]
    public async Task Error_PromptPlusMaxOutputTokensBeyondTheContext_FailsNamingTheCounts()
    {
        using var client = Client(ContextOverflowPolicy.Error);

        var error = await Assert.ThrowsAsync<ContextLengthExceededException>(() =>
            client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(13)));

        Assert.Equal(5 + 13 - 1, error.RequiredTokens);
        Assert.Equal(Context, error.ContextLength);
        Assert.Contains("5 tokens and MaxOutputTokens is 13", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 12", error.Message, StringComparison.Ordinal);
        Assert.Contains("SlidingWindow", error.Message, StringComparison.Ordinal);
        // The largest limit that fits still runs.
        var response = await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(12));
        Assert.Equal(12, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task SlidingWindow_OutputLongerThanTheContext_IsWhatTheEngineGenerates()
    {
        using var client = Client(ContextOverflowPolicy.SlidingWindow);

        var response = await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(40));

        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(40, response.Usage!.OutputTokenCount);
        // The one message is the sink: its 5 tokens (with <s>).
        var engine = new TextGeneration(_model, _model.Tokenizer.Encode("Once upon a time"), new GenerationOptions
        {
            MaxTokens = 40,
            Sampling = SamplingOptions.Greedy,
            ContextOverflow = ContextOverflowPolicy.SlidingWindow,
            SinkTokens = 5,
        });
        var expected = string.Concat(engine.Run().Select(t => t.Text));
        Assert.True(engine.ContextShifts > 0);
        Assert.Equal(expected, response.Text);
    }

    [Fact]
    public async Task SlidingWindow_StreamingGivesTheSameText()
    {
        using var client = Client(ContextOverflowPolicy.SlidingWindow);
        var whole = await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(30));
        var streamed = await client.GetStreamingResponseAsync("Once upon a time", SharedModel.GreedyChat(30)).ToChatResponseAsync();
        Assert.Equal(whole.Text, streamed.Text);
    }

    [Fact]
    public async Task SlidingWindow_PromptLongerThanTheContext_IsAccepted_KeepingTheFirstMessage()
    {
        using var client = Client(ContextOverflowPolicy.SlidingWindow);
        ChatMessage[] messages =
        [
            new(ChatRole.User, "Once upon a time"),
            new(ChatRole.Assistant, "there was a little girl named Lily. She loved to play outside in the park with her friends."),
            new(ChatRole.User, "One day, she saw a big"),
        ];

        var response = await client.GetResponseAsync(messages, SharedModel.GreedyChat(4));

        var prompt = StoryPromptFormatter.Format(messages);
        var ids = _model.Tokenizer.Encode(prompt);
        Assert.True(ids.Length > Context);
        Assert.Equal(ids.Length, response.Usage!.InputTokenCount);
        // The engine with the first message (5 tokens: <s> Once upon a time) as the sink gives the same answer.
        var engine = new TextGeneration(_model, ids, new GenerationOptions
        {
            MaxTokens = 4,
            Sampling = SamplingOptions.Greedy,
            ContextOverflow = ContextOverflowPolicy.SlidingWindow,
            SinkTokens = 5,
        });
        Assert.Equal(string.Concat(engine.Run().Select(t => t.Text)), response.Text);
    }

    [Fact]
    public async Task Error_PromptLongerThanTheContext_FailsNamingThePolicy()
    {
        using var client = Client(ContextOverflowPolicy.Error);
        var error = await Assert.ThrowsAsync<ContextLengthExceededException>(() =>
            client.GetResponseAsync("Once upon a time there was a little girl named Lily who loved to play outside"));
        Assert.Contains("ContextOverflowPolicy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SinkTokensAboveHalfTheContext_AreRejectedWhenTheClientIsCreated()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Client(ContextOverflowPolicy.SlidingWindow, sink: 9));
        Assert.Contains("BitNetChatClientOptions.SlidingWindowSinkTokens is 9; allowed: 0 to 8", error.Message, StringComparison.Ordinal);
        using var ok = Client(ContextOverflowPolicy.SlidingWindow, sink: 8);
    }

    [Fact]
    public void ContextLengthAboveTheModels_IsRejectedNamingTheOption()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            BitNetRuntime.Load(new BitNetChatClientOptions { ModelPath = TinyModel.Path, ContextLength = 300 }));
        Assert.Contains("BitNetChatClientOptions.ContextLength is 300", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 to 256", error.Message, StringComparison.Ordinal);
    }
}
