// The chat reducers are experimental (MEAI001) in Microsoft.Extensions.AI 10.x; these smoke tests are meant to notice when they change.
#pragma warning disable MEAI001
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace BitNet.Extensions.AI.Tests;

/// <summary>
/// The checks of dotnet/extensions' <c>ChatClientIntegrationTests</c> that apply to a local story model, under the same
/// names. That suite asks world-knowledge questions ("biggest animal" → "whale") that a 4M-parameter TinyStories model
/// cannot answer, so its semantic assertions become golden ones: greedy output equals the numpy reference's greedy
/// continuation (<c>reference_outputs.json</c>), or another request that must give the same tokens. Tool calling and
/// structured output: the other parts of this class (<c>.FunctionInvocation.cs</c>, <c>.AvailableTools.cs</c>,
/// <c>.StructuredOutput.cs</c>).
/// </summary>
public sealed partial class ChatClientConformanceTests : IDisposable
{
    private readonly BitNetChatClient _client = SharedModel.CreateClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task GetResponseAsync_SingleRequestMessage()
    {
        var reference = SharedModel.Prompts[0];

        var response = await _client.GetResponseAsync(reference.Prompt, SharedModel.GreedyChat());

        Assert.Equal(reference.NoQuant.GreedyText, response.Text);
    }

    [Fact]
    public async Task GetResponseAsync_MultipleRequestMessages()
    {
        // The whole history is the story: these turns render as "One day, a little dog named Max", a reference prompt.
        var reference = SharedModel.Prompts[2];
        Assert.Equal("One day, a little dog named Max", reference.Prompt);

        var response = await _client.GetResponseAsync(
        [
            new(ChatRole.User, "One day,"),
            new(ChatRole.Assistant, "a little dog"),
            new(ChatRole.User, "named Max"),
        ], SharedModel.GreedyChat());

        Assert.Equal(reference.NoQuant.GreedyText, response.Text);
        Assert.Equal(reference.PromptIds.Length, response.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task GetResponseAsync_WithEmptyMessage()
    {
        var reference = SharedModel.Prompts[0];

        var response = await _client.GetResponseAsync(
        [
            new(ChatRole.System, []),
            new(ChatRole.User, []),
            new(ChatRole.Assistant, []),
            new(ChatRole.User, reference.Prompt),
        ], SharedModel.GreedyChat());

        Assert.Equal(reference.NoQuant.GreedyText, response.Text);
    }

    [Theory]
    [InlineData(null)] // greedy
    [InlineData(7L)]   // sampled, seeded
    public async Task GetStreamingResponseAsync(long? seed)
    {
        var options = seed is null ? SharedModel.GreedyChat(40) : new ChatOptions { Temperature = 0.9f, Seed = seed, MaxOutputTokens = 40 };
        var expected = await _client.GetResponseAsync("Lily and Tom went to the park.", options);

        var text = new StringBuilder();
        await foreach (var chunk in _client.GetStreamingResponseAsync("Lily and Tom went to the park.", options))
            text.Append(chunk.Text);

        Assert.Equal(expected.Text, text.ToString());
        // Greedy: the reference's continuation (which it decodes without the first word's leading space).
        if (seed is null) Assert.StartsWith(expected.Text.TrimStart(' '), SharedModel.Prompts[1].NoQuant.GreedyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_UsageDataAvailable()
    {
        const string Prompt = "The sun was shining and";

        var response = await _client.GetResponseAsync(Prompt, SharedModel.GreedyChat(20));
        var again = await _client.GetResponseAsync(Prompt + " the birds", SharedModel.GreedyChat(20));

        Assert.True(response.Usage?.InputTokenCount > 1);
        Assert.True(response.Usage?.OutputTokenCount > 1);
        Assert.Equal(response.Usage?.InputTokenCount + response.Usage?.OutputTokenCount, response.Usage?.TotalTokenCount);
        // Ours in addition: the input is the rendered prompt's token count (BOS included), and a request that repeats
        // a prefix reports the tokens served from the retained KV cache.
        Assert.Equal(SharedModel.Model.Tokenizer.Encode(Prompt).Length, response.Usage?.InputTokenCount);
        Assert.True(again.Usage?.CachedInputTokenCount > 1, $"{again.Usage?.CachedInputTokenCount} cached");
    }

    [Fact]
    public async Task GetStreamingResponseAsync_UsageDataAvailable()
    {
        var chunks = await _client.GetStreamingResponseAsync("The sun was shining and", SharedModel.GreedyChat(20)).ToListAsync();

        Assert.True(chunks.Count > 1);
        var usage = chunks.SelectMany(c => c.Contents).OfType<UsageContent>().Single();
        Assert.True(usage.Details.InputTokenCount > 1);
        Assert.True(usage.Details.OutputTokenCount > 1);
        Assert.Equal(usage.Details.InputTokenCount + usage.Details.OutputTokenCount, usage.Details.TotalTokenCount);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_AppendToHistory()
    {
        List<ChatMessage> history = [new(ChatRole.User, "Sam had a red ball.")];

        var streamingResponse = _client.GetStreamingResponseAsync(history, SharedModel.GreedyChat(40));

        Assert.Single(history);
        await history.AddMessagesAsync(streamingResponse);
        Assert.Equal(2, history.Count);
        Assert.Equal(ChatRole.Assistant, history[1].Role);
        var singleTextContent = (TextContent)history[1].Contents.Single();
        Assert.NotEmpty(singleTextContent.Text);
        Assert.Equal(history[1].Text, singleTextContent.Text);
    }

    [Fact]
    public async Task Caching_OutputVariesWithoutCaching()
    {
        // No seed: sampling differs from run to run (a high temperature makes equal 40-token stories vanishingly rare).
        var unseeded = new ChatOptions { Temperature = 1.5f, TopP = 1, MaxOutputTokens = 40 };
        var first = await _client.GetResponseAsync("Once upon a time", unseeded);
        var second = await _client.GetResponseAsync("Once upon a time", unseeded);
        Assert.NotEqual(first.Text, second.Text);

        // Ours in addition: with a seed, the same.
        var seeded = new ChatOptions { Temperature = 1.5f, TopP = 1, MaxOutputTokens = 40, Seed = 42 };
        Assert.Equal((await _client.GetResponseAsync("Once upon a time", seeded)).Text,
                     (await _client.GetResponseAsync("Once upon a time", seeded)).Text);
    }

    [Fact]
    public async Task Caching_SamePromptResultsInCacheHit_NonStreaming()
    {
        using var chatClient = CreateCachingClient();
        var counter = chatClient.GetService<CallCountingChatClient>()!;
        var options = new ChatOptions { Temperature = 1.5f, TopP = 1, MaxOutputTokens = 30 }; // unseeded: only a cache hit repeats it

        var first = await chatClient.GetResponseAsync("Once upon a time", options);
        var second = await chatClient.GetResponseAsync("Once upon a time", options);

        Assert.Equal(1, counter.CallCount);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(first.ResponseId, second.ResponseId);
    }

    [Fact]
    public async Task Caching_SamePromptResultsInCacheHit_Streaming()
    {
        using var chatClient = CreateCachingClient();
        var counter = chatClient.GetService<CallCountingChatClient>()!;
        var options = new ChatOptions { Temperature = 1.5f, TopP = 1, MaxOutputTokens = 30 };

        var first = await chatClient.GetStreamingResponseAsync("Once upon a time", options).ToChatResponseAsync();
        var second = await chatClient.GetStreamingResponseAsync("Once upon a time", options).ToChatResponseAsync();

        Assert.Equal(1, counter.CallCount);
        Assert.Equal(first.Text, second.Text);
    }

    [Fact]
    public async Task Logging_LogsCalls_NonStreaming()
    {
        var collector = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(collector)).SetMinimumLevel(LogLevel.Trace));
        using var chatClient = _client.AsBuilder().UseLogging(loggerFactory).Build();

        await chatClient.GetResponseAsync([new(ChatRole.User, "Once upon a time")], SharedModel.GreedyChat());

        Assert.Collection(collector.GetSnapshot(),
            entry => Assert.Contains("Once upon a time", entry.Message, StringComparison.Ordinal),
            entry => Assert.Contains("there was a little girl named Lily", entry.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logging_LogsCalls_Streaming()
    {
        var collector = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(collector)).SetMinimumLevel(LogLevel.Trace));
        using var chatClient = _client.AsBuilder().UseLogging(loggerFactory).Build();

        await foreach (var update in chatClient.GetStreamingResponseAsync("Once upon a time", SharedModel.GreedyChat()))
        {
            // Only the log matters.
        }

        var logs = collector.GetSnapshot();
        Assert.Contains(logs, e => e.Message.Contains("Once upon a time", StringComparison.Ordinal));
        Assert.Contains(logs, e => e.Message.Contains(" Lily", StringComparison.Ordinal)); // one update per token
    }

    [Fact]
    public async Task OpenTelemetry_CanEmitTracesAndMetrics()
    {
        using var telemetry = new GenAiTelemetryRecorder();
        using var chatClient = _client.AsBuilder().UseOpenTelemetry(sourceName: telemetry.SourceName).Build();

        await chatClient.GetResponseAsync([new(ChatRole.User, "Once upon a time")], SharedModel.GreedyChat(20));

        var activity = Assert.Single(telemetry.Activities);
        Assert.StartsWith("chat", activity.DisplayName, StringComparison.Ordinal);
        // Upstream checks server.address/port against ProviderUri; ours is null (in process), so they are absent.
        Assert.Null(activity.GetTagItem("server.address"));
        Assert.Null(activity.GetTagItem("server.port"));
        Assert.Equal("bitnet", activity.GetTagItem("gen_ai.provider.name"));
        Assert.False(string.IsNullOrEmpty(activity.Id));
        Assert.NotEqual(0, (int)activity.GetTagItem("gen_ai.usage.input_tokens")!);
        Assert.NotEqual(0, (int)activity.GetTagItem("gen_ai.usage.output_tokens")!);
        Assert.True(activity.Duration.TotalMilliseconds > 0);
        Assert.Contains(telemetry.Measurements, m => m.Instrument == "gen_ai.client.token.usage");
    }

    [Fact]
    public async Task MessageCountingChatReducer_KeepsTheLastMessages()
    {
        using var chatClient = _client.AsBuilder().UseChatReducer(new MessageCountingChatReducer(2)).Build();

        // Only the last two messages reach the model: "One day, a little dog" + "named Max", a reference prompt.
        var response = await chatClient.GetResponseAsync(
        [
            new(ChatRole.User, "Sam had a red ball."),
            new(ChatRole.Assistant, "He liked to throw it high."),
            new(ChatRole.User, "One day, a little dog"),
            new(ChatRole.Assistant, "named Max"),
        ], SharedModel.GreedyChat());

        Assert.Equal(SharedModel.Prompts[2].NoQuant.GreedyText, response.Text);
    }

    [Fact]
    public async Task SummarizingChatReducer_SummarizesOlderMessages_WithTheSameModel()
    {
        // Greedy and short, so that the summary and the answer are reproducible and the reduced story fits the context.
        using var summarizer = SharedModel.CreateClient(new BitNetChatClientOptions { Temperature = 0, MaxOutputTokens = 16 });
        var reducer = new SummarizingChatReducer(summarizer, targetCount: 2, threshold: 0);
        using var chatClient = _client.AsBuilder().UseChatReducer(reducer).UseCallCounting().Build();
        List<ChatMessage> history =
        [
            new(ChatRole.User, "Sam had a red ball."),
            new(ChatRole.Assistant, "He liked to throw it high."),
            new(ChatRole.User, "One day, the ball went over the fence."),
            new(ChatRole.Assistant, "Sam was sad."),
        ];

        var response = await chatClient.GetResponseAsync(history, SharedModel.GreedyChat(24));

        // The first two messages became one summary written by the model; the model then continued summary + the rest.
        var summary = await summarizer.GetResponseAsync(history.Take(2).ToList());
        var expected = await _client.GetResponseAsync([new(ChatRole.Assistant, summary.Text), .. history.Skip(2)], SharedModel.GreedyChat(24));
        Assert.Equal(1, chatClient.GetService<CallCountingChatClient>()!.CallCount);
        Assert.False(string.IsNullOrWhiteSpace(summary.Text));
        Assert.Equal(expected.Text, response.Text);
    }

    private IChatClient CreateCachingClient() => _client.AsBuilder()
        .UseDistributedCache(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())))
        .UseCallCounting()
        .Build();
}
