using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

public sealed class BitNetChatClientStreamingTests
{
    private static async Task<List<ChatResponseUpdate>> CollectAsync(IAsyncEnumerable<ChatResponseUpdate> stream)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in stream) updates.Add(update);
        return updates;
    }

    [Fact]
    public async Task Stream_ConcatenatesToTheNonStreamingResponse_WithTheSameSeed()
    {
        using var client = SharedModel.CreateClient();
        ChatOptions Options() => new() { Seed = 99, MaxOutputTokens = 60 };

        var response = await client.GetResponseAsync("Once upon a time", Options());
        var updates = await CollectAsync(client.GetStreamingResponseAsync("Once upon a time", Options()));

        Assert.Equal(response.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(response.FinishReason, updates[^1].FinishReason);
        var usage = Assert.IsType<UsageContent>(Assert.Single(updates[^1].Contents)).Details;
        Assert.Equal(response.Usage!.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(response.Usage.OutputTokenCount, usage.OutputTokenCount);
    }

    [Fact]
    public async Task Updates_ShareOneResponse_OneTokenEach_AndTheLastCarriesFinishReasonAndUsage()
    {
        using var client = SharedModel.CreateClient();
        var before = DateTimeOffset.UtcNow;

        var updates = await CollectAsync(client.GetStreamingResponseAsync("Once upon a time", SharedModel.GreedyChat(30)));

        Assert.True(updates.Count > 2);
        var first = updates[0];
        Assert.StartsWith("bitnet-", first.ResponseId, StringComparison.Ordinal);
        Assert.InRange(first.CreatedAt!.Value, before, DateTimeOffset.UtcNow);
        Assert.All(updates, u =>
        {
            Assert.Equal(first.ResponseId, u.ResponseId);
            Assert.Equal(first.ResponseId, u.MessageId);
            Assert.Equal(ChatRole.Assistant, u.Role);
            Assert.Equal(SharedModel.Model.ModelId, u.ModelId);
            Assert.Equal(first.CreatedAt, u.CreatedAt);
            Assert.Null(u.ConversationId);
        });

        // One update per token that released text (30 tokens at most), each with text and nothing else.
        var textUpdates = updates[..^1];
        Assert.InRange(textUpdates.Count, 2, 30);
        Assert.All(textUpdates, u =>
        {
            Assert.IsType<TextContent>(Assert.Single(u.Contents));
            Assert.NotEmpty(u.Text);
            Assert.Null(u.FinishReason);
        });

        var last = updates[^1];
        Assert.Equal(ChatFinishReason.Length, last.FinishReason);
        Assert.Empty(last.Text);
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
        Assert.Same(usage, Assert.Single(last.Contents));
        Assert.Equal(5, usage.Details.InputTokenCount);
        Assert.Equal(30, usage.Details.OutputTokenCount);
        Assert.Equal(35, usage.Details.TotalTokenCount);
    }

    [Fact]
    public async Task ToChatResponse_GivesOneAssistantMessage_WithOneTextContent()
    {
        using var client = SharedModel.CreateClient();
        var expected = await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(25));

        var response = await client.GetStreamingResponseAsync("Once upon a time", SharedModel.GreedyChat(25)).ToChatResponseAsync();

        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.Equal(expected.Text, Assert.IsType<TextContent>(Assert.Single(message.Contents)).Text);
        Assert.Equal(response.ResponseId, message.MessageId);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(expected.Usage!.TotalTokenCount, response.Usage!.TotalTokenCount);
        Assert.Equal(SharedModel.Model.ModelId, response.ModelId);
    }

    [Fact]
    public async Task StopSequence_AcrossTokenBoundaries_IsNeverStreamed()
    {
        const string stop = "rl nam";
        var full = SharedModel.Prompts[0].NoQuant.GreedyText;
        // The stop string really spans tokens: no single token's text contains it.
        var engineTokens = new BitNet.Runtime.Generation.TextGeneration(SharedModel.Model, SharedModel.Model.Tokenizer.Encode("Once upon a time"),
            SharedModel.Greedy(20)).Run().Select(t => t.Text).ToList();
        Assert.DoesNotContain(engineTokens, t => t.Contains(stop, StringComparison.Ordinal));
        Assert.Contains(stop, string.Concat(engineTokens), StringComparison.Ordinal);
        using var client = SharedModel.CreateClient();

        var updates = await CollectAsync(client.GetStreamingResponseAsync("Once upon a time", new ChatOptions { Temperature = 0, StopSequences = [stop] }));

        var streamed = string.Concat(updates.Select(u => u.Text));
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], streamed);
        Assert.DoesNotContain(stop, streamed, StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
    }

    [Fact]
    public async Task CancellingAfterTheFirstUpdate_ThrowsOperationCanceled()
    {
        using var client = SharedModel.CreateClient();
        using var cts = new CancellationTokenSource();
        var received = 0;

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("Once upon a time", SharedModel.GreedyChat(), cts.Token))
            {
                received++;
                cts.Cancel();
            }
        });

        Assert.Equal(1, received);
        Assert.Equal(cts.Token, error.CancellationToken);
        // The session is free again.
        Assert.NotEmpty((await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(2))).Text);
    }

    [Fact]
    public async Task CancellingThroughWithCancellation_ThrowsOperationCanceled()
    {
        using var client = SharedModel.CreateClient();
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("Once upon a time", SharedModel.GreedyChat()).WithCancellation(cts.Token))
                cts.Cancel();
        });
    }

    [Fact]
    public async Task AnAlreadyCancelledToken_Throws_ForBothMethods()
    {
        using var client = SharedModel.CreateClient();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync("Once upon a time", cancellationToken: cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CollectAsync(client.GetStreamingResponseAsync("Once upon a time", cancellationToken: cts.Token)));
    }

    [Fact]
    public async Task BreakingOutEarly_ReleasesTheSession()
    {
        using var client = SharedModel.CreateClient(); // one request at a time: a leaked session would block the next one

        await foreach (var update in client.GetStreamingResponseAsync("Once upon a time", SharedModel.GreedyChat()))
            break;

        var next = await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(3)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, next.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Streaming_ValidatesArgumentsEagerly()
    {
        using var client = SharedModel.CreateClient();
        Assert.Throws<ArgumentNullException>("messages", () => client.GetStreamingResponseAsync((IEnumerable<ChatMessage>)null!));
        Assert.Throws<ArgumentOutOfRangeException>("options", () => client.GetStreamingResponseAsync("Once", new ChatOptions { Temperature = -1 }));
        Assert.Throws<NotSupportedException>(() => client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, [new DataContent(new byte[] { 1 }, "image/png")])]));
        await Task.CompletedTask;
    }
}
