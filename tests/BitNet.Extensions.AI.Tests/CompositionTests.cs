using BitNet.Runtime;
using BitNet.Tests;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace BitNet.Extensions.AI.Tests;

/// <summary>
/// Microsoft.Extensions.AI's middleware around the BitNet client: each layer wraps it and works (logging, OpenTelemetry,
/// distributed caching, function invocation), and services resolve through the whole pipeline.
/// </summary>
public sealed class CompositionTests
{
    private const string Prompt = "Once upon a time";

    [Fact]
    public async Task DependencyInjectionPipeline_EveryLayerWorks_AndGetServiceReachesTheProvider()
    {
        using var telemetry = new GenAiTelemetryRecorder();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace)).AddFakeLogging(); // Trace: LoggingChatClient logs the text
        services.AddDistributedMemoryCache();
        services.AddBitNetChatClient(o =>
            {
                o.ModelPath = TinyModel.Path;
                o.ActivationQuantization = Runtime.Model.ActivationQuantization.None;
            })
            .UseFunctionInvocation()
            .UseOpenTelemetry(sourceName: telemetry.SourceName)
            .UseDistributedCache()
            .UseLogging()
            .UseCallCounting();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();

        // Outermost first: AddBitNetChatClient's preprocessing layer, the caller's layers, then the provider and its engine objects.
        Assert.IsType<BitNetPreprocessingChatClient>(client);
        Assert.NotNull(client.GetService<FunctionInvokingChatClient>());
        Assert.NotNull(client.GetService<OpenTelemetryChatClient>());
        Assert.NotNull(client.GetService<DistributedCachingChatClient>());
        Assert.NotNull(client.GetService<LoggingChatClient>());
        var bitnet = client.GetService<BitNetChatClient>();
        Assert.NotNull(bitnet);
        var metadata = client.GetService<ChatClientMetadata>();
        Assert.Equal(BitNetChatClient.ProviderName, metadata?.ProviderName);
        Assert.Null(metadata?.ProviderUri);
        Assert.Equal(bitnet.ModelId, metadata?.DefaultModelId);
        Assert.Same(provider.GetRequiredService<BitNetRuntime>(), client.GetService<BitNetRuntime>());
        Assert.Same(bitnet.Runtime.Model, client.GetService<BitNetModel>());

        var first = await client.GetResponseAsync(Prompt, SharedModel.GreedyChat());
        var second = await client.GetResponseAsync(Prompt, SharedModel.GreedyChat());

        Assert.Equal(SharedModel.Prompts[0].NoQuant.GreedyText, first.Text);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(1, client.GetService<CallCountingChatClient>()!.CallCount); // the second answer came from the cache
        // Telemetry sits outside the cache: a chat span per request (function invocation adds its own spans).
        Assert.Equal(2, telemetry.Activities.Count(a => a.DisplayName == $"chat {bitnet.ModelId}"));
        var logs = provider.GetFakeLogCollector().GetSnapshot();
        Assert.Contains(logs, r => r.Message.Contains(Prompt, StringComparison.Ordinal));
        Assert.Contains(logs, r => r.Message.Contains("there was a little girl named Lily", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UseOpenTelemetry_OneChatSpan_WithTheGenAiAttributes_AndTokenCountsEqualToUsage(bool streaming)
    {
        using var telemetry = new GenAiTelemetryRecorder();
        using var client = SharedModel.CreateClient().AsBuilder().UseOpenTelemetry(sourceName: telemetry.SourceName).Build();
        var options = SharedModel.GreedyChat(maxOutputTokens: 12);

        var response = streaming
            ? await client.GetStreamingResponseAsync(Prompt, options).ToChatResponseAsync()
            : await client.GetResponseAsync(Prompt, options);

        var modelId = SharedModel.Model.ModelId;
        var activity = Assert.Single(telemetry.Activities);
        Assert.Equal($"chat {modelId}", activity.DisplayName);
        Assert.Equal("chat", activity.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("bitnet", activity.GetTagItem("gen_ai.provider.name"));
        Assert.Equal(modelId, activity.GetTagItem("gen_ai.request.model"));
        Assert.Equal(modelId, activity.GetTagItem("gen_ai.response.model"));
        Assert.Equal(response.ResponseId, activity.GetTagItem("gen_ai.response.id"));
        Assert.Equal(12L, Convert.ToInt64(activity.GetTagItem("gen_ai.request.max_tokens")));
        Assert.Equal(response.Usage!.InputTokenCount, Convert.ToInt64(activity.GetTagItem("gen_ai.usage.input_tokens")));
        Assert.Equal(response.Usage.OutputTokenCount, Convert.ToInt64(activity.GetTagItem("gen_ai.usage.output_tokens")));
        Assert.Equal(12, response.Usage.OutputTokenCount);
        // In process: ProviderUri is null, so no server attributes.
        Assert.Null(activity.GetTagItem("server.address"));
        Assert.Null(activity.GetTagItem("server.port"));

        // The GenAI metrics: token usage per type, equal to the response's usage, and one operation duration.
        var tokens = telemetry.Measurements.Where(m => m.Instrument == "gen_ai.client.token.usage").ToList();
        Assert.Equal(response.Usage.InputTokenCount, (long)Assert.Single(tokens, m => (string?)m.Tags["gen_ai.token.type"] == "input").Value);
        Assert.Equal(response.Usage.OutputTokenCount, (long)Assert.Single(tokens, m => (string?)m.Tags["gen_ai.token.type"] == "output").Value);
        var duration = Assert.Single(telemetry.Measurements, m => m.Instrument == "gen_ai.client.operation.duration");
        Assert.Equal("bitnet", duration.Tags["gen_ai.provider.name"]);
    }

    [Fact]
    public async Task UseDistributedCache_StreamingRepeat_IsACacheHit_WithTheSameText_AndOtherOptionsMiss()
    {
        using var client = SharedModel.CreateClient().AsBuilder()
            .UseDistributedCache(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())))
            .UseCallCounting()
            .Build();
        var counter = client.GetService<CallCountingChatClient>()!;

        var first = await client.GetStreamingResponseAsync(Prompt, SharedModel.GreedyChat(20)).ToChatResponseAsync();
        var cached = await client.GetStreamingResponseAsync(Prompt, SharedModel.GreedyChat(20)).ToChatResponseAsync();
        Assert.Equal(1, counter.CallCount);
        Assert.Equal(first.Text, cached.Text);
        Assert.Equal(first.ResponseId, cached.ResponseId); // the stored response, not a new generation
        Assert.Equal(first.Usage!.OutputTokenCount, cached.Usage!.OutputTokenCount);

        var longer = await client.GetStreamingResponseAsync(Prompt, SharedModel.GreedyChat(21)).ToChatResponseAsync();
        Assert.Equal(2, counter.CallCount); // different options: a different cache key
        Assert.StartsWith(first.Text, longer.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UseFunctionInvocation_OffersTheTools_AndPassesTheAnswerThrough(bool streaming)
    {
        var calls = 0;
        var tool = AIFunctionFactory.Create(() => ++calls, "CountSheep", "Counts the sheep in the story.");
        using var client = SharedModel.CreateClient().AsBuilder().UseFunctionInvocation().UseCallCounting().Build();
        using var plain = SharedModel.CreateClient();
        var expected = await plain.GetResponseAsync(Prompt, SharedModel.GreedyChat(24));
        var options = SharedModel.GreedyChat(24);
        options.Tools = [tool];

        var response = streaming
            ? await client.GetStreamingResponseAsync(Prompt, options).ToChatResponseAsync()
            : await client.GetResponseAsync(Prompt, options);

        var counter = client.GetService<CallCountingChatClient>()!;
        Assert.Equal(1, counter.CallCount); // no tool call in the answer: one model request, nothing invoked
        Assert.Same(tool, Assert.Single(counter.LastOptions!.Tools!));
        Assert.Equal(0, calls);
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(expected.Usage!.OutputTokenCount, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatRole.Assistant, Assert.Single(response.Messages).Role);
    }
}
