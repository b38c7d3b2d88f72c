using System.Diagnostics;
using BitNet.Extensions.AI;
using BitNet.Runtime.Generation;
using BitNet.Tests;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace BitNet.WebApi.Tests;

/// <summary>A client that goes away mid-stream stops generation on the server, which then serves the next request at once.</summary>
public sealed class CancellationTests : IAsyncLifetime
{
    // A sliding window lets one request generate for minutes (the context never fills), and this prompt's greedy
    // continuation repeats itself without an end-of-sequence (checked to 4,000 tokens; sampled stories end after ~100),
    // so only cancellation can end it early.
    private const int EndlessTokens = 500_000;
    private const string LoopingPrompt = "Tom ran and ran and ran and ran and ran";
    private LoopbackServer? _server;
    private StreamObserver? _observer;

    public async Task InitializeAsync() =>
        _server = await LoopbackServer.StartAsync(builder => builder.Services
            .AddBitNetChatClient(o =>
            {
                o.ModelPath = TinyModel.Path;
                o.ContextOverflowPolicy = ContextOverflowPolicy.SlidingWindow;
                o.WarmUp = false;
            })
            .Use(inner => _observer = new StreamObserver(inner)),
            limits => limits.MaxOutputTokens = EndlessTokens);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    [Fact]
    public async Task ClientCancelsMidStream_ServerStopsGenerating_AndTheNextRequestIsServedPromptly()
    {
        var modelId = _server!.App.Services.GetRequiredService<IChatClient>().GetService<ChatClientMetadata>()!.DefaultModelId!;
        var chat = _server.OpenAI.GetChatClient(modelId);
        using var cancel = new CancellationTokenSource();
        var received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage(LoopingPrompt)],
                               new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = EndlessTokens }, cancel.Token))
            {
                if (update.ContentUpdate.Count > 0 && ++received == 20) await cancel.CancelAsync();
            }
        });

        // The server side ends by cancellation long before the half-million tokens asked for.
        var (updates, cancelled) = await _observer!.Ended.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(cancelled, "the provider's stream should end because the request was aborted");
        Assert.InRange(updates, 20, EndlessTokens / 10);

        // One request at a time per runtime: the next one proceeds only if the cancelled one released the runtime.
        _observer.Reset();
        var clock = Stopwatch.StartNew();
        ChatCompletion next = await chat.CompleteChatAsync([new UserChatMessage("The dog")],
            new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 8 });
        Assert.Equal(8, next.Usage.OutputTokenCount);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the next request took {clock.Elapsed}");
    }
}
