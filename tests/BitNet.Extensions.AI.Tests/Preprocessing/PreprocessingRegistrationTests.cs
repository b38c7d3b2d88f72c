using BitNet.Tests;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BitNet.Extensions.AI.Tests.Preprocessing;

/// <summary>Preprocessing through <c>AddBitNetChatClient</c> (on by default, outermost) and <c>UseBitNetPreprocessing</c>.</summary>
public sealed class PreprocessingRegistrationTests
{
    [Fact]
    public async Task AddBitNetChatClient_InstallsPreprocessingOutermost_SoLaterMiddlewareSeesTheCleanText()
    {
        var services = new ServiceCollection();
        var seen = new List<string>();
        services.AddBitNetChatClient(o =>
            {
                o.ModelPath = TinyModel.Path;
                o.Temperature = 0;
                o.MaxOutputTokens = 3;
                o.WarmUp = false;
            })
            .Use(async (messages, options, next, cancellationToken) =>
            {
                seen.AddRange(messages.Select(m => m.Text));
                await next(messages, options, cancellationToken);
            });
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IChatClient>();
        Assert.IsType<BitNetPreprocessingChatClient>(client);
        var response = await client.GetResponseAsync("  Once upon\u00A0a\u200B time 🎉🎉🎉🎉🎉 ");

        Assert.Equal(["Once upon a time 🎉🎉🎉"], seen);
        Assert.Equal(3, response.Usage!.OutputTokenCount);

        // Streaming takes the same path, and the same clean prompt gives the same greedy answer.
        seen.Clear();
        var streamed = await client.GetStreamingResponseAsync("Once upon\u200B a\ttime 🎉🎉🎉🎉").ToChatResponseAsync();
        Assert.Equal(["Once upon a time 🎉🎉🎉"], seen);
        Assert.Equal(response.Text, streamed.Text);
    }

    [Fact]
    public async Task PreprocessingDisabled_InstallsNoLayer()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddBitNetChatClient(o => o.Preprocessing.Enabled = false).UseLogging();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();
        Assert.IsType<LoggingChatClient>(client);
        Assert.Null(client.GetService<BitNetPreprocessingChatClient>());
    }

    [Fact]
    public async Task TheBitNetSection_BindsPreprocessing_AndValidatesIt()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BitNet:ModelPath"] = TinyModel.Path,
            ["BitNet:WarmUp"] = "false",
            ["BitNet:Preprocessing:EmojiHandling"] = "Remove",
            ["BitNet:Preprocessing:MaxConsecutiveLineBreaks"] = "1",
            ["BitNet:Preprocessing:UnicodeNormalization"] = "FormKC",
        });
        builder.AddBitNetChatClient();
        using var host = builder.Build();
        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<BitNetChatClientOptions>>().Value.Preprocessing;
        Assert.Equal(EmojiHandling.Remove, options.EmojiHandling);
        Assert.Equal(1, options.MaxConsecutiveLineBreaks);
        Assert.Equal(System.Text.NormalizationForm.FormKC, options.UnicodeNormalization);
        await host.StopAsync();

        var invalid = Host.CreateApplicationBuilder();
        invalid.Logging.ClearProviders();
        invalid.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BitNet:Preprocessing:MaxEmojiRun"] = "0",
            ["BitNet:Preprocessing:EmojiHandling"] = "7",
        });
        invalid.AddBitNetChatClient();
        using var invalidHost = invalid.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => invalidHost.StartAsync());
        Assert.Contains("BitNetChatClientOptions.Preprocessing.MaxEmojiRun is 0; allowed: 1 to 1000.", error.Message, StringComparison.Ordinal);
        Assert.Contains("BitNetChatClientOptions.Preprocessing.EmojiHandling is 7; allowed: one of Keep, Collapse, Remove, Replace.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullPreprocessingOptions_AreAValidationError()
    {
        var failures = BitNetChatClientOptionsValidator.GetFailures(new BitNetChatClientOptions { Preprocessing = null! });
        Assert.Contains(failures, f => f.StartsWith("BitNetChatClientOptions.Preprocessing is null", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Keyed_ClientsHaveTheirOwnPreprocessing()
    {
        var services = new ServiceCollection();
        services.AddKeyedBitNetChatClient("plain", o =>
        {
            o.ModelPath = TinyModel.Path;
            o.Preprocessing.Enabled = false;
        });
        services.AddKeyedBitNetChatClient("clean", o =>
        {
            o.ModelPath = TinyModel.Path;
            o.Preprocessing.EmojiHandling = EmojiHandling.Remove;
        });
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<BitNetChatClient>(provider.GetRequiredKeyedService<IChatClient>("plain"));
        var clean = provider.GetRequiredKeyedService<IChatClient>("clean");
        Assert.IsType<BitNetPreprocessingChatClient>(clean);
        var response = await clean.GetResponseAsync("Once upon a time 🎉", new ChatOptions { MaxOutputTokens = 1, Temperature = 0 });
        var bare = await provider.GetRequiredKeyedService<IChatClient>("plain")
            .GetResponseAsync("Once upon a time", new ChatOptions { MaxOutputTokens = 1, Temperature = 0 });
        Assert.Equal(bare.Usage!.InputTokenCount, response.Usage!.InputTokenCount); // the emoji never reached the model
    }

    [Fact]
    public async Task UseBitNetPreprocessing_StartsFromTheOptionsInTheContainer_ThenConfigure()
    {
        var services = new ServiceCollection();
        services.Configure<BitNetPreprocessingOptions>(o =>
        {
            o.EmojiHandling = EmojiHandling.Replace;
            o.EmojiReplacement = "*";
        });
        await using var provider = services.BuildServiceProvider();
        var inner = new RecordingChatClient();

        using var configured = new ChatClientBuilder(inner).UseBitNetPreprocessing(o => o.MaxConsecutiveLineBreaks = 1).Build(provider);
        await configured.GetResponseAsync("a\n\n\nb 🎉🎉");
        Assert.Equal("a\nb *", Assert.Single(inner.Messages!).Text);
        Assert.Equal(EmojiHandling.Replace, provider.GetRequiredService<IOptions<BitNetPreprocessingOptions>>().Value.EmojiHandling);
        Assert.Equal(2, provider.GetRequiredService<IOptions<BitNetPreprocessingOptions>>().Value.MaxConsecutiveLineBreaks); // not changed by configure

        using var defaults = inner.AsBuilder().UseBitNetPreprocessing().Build();
        await defaults.GetResponseAsync("a\n\n\nb 🎉🎉🎉🎉");
        Assert.Equal("a\n\nb 🎉🎉🎉", Assert.Single(inner.Messages!).Text);
    }

    [Fact]
    public void UseBitNetPreprocessing_InvalidOptions_FailWhenThePipelineIsBuilt()
    {
        var builder = new ChatClientBuilder(new RecordingChatClient()).UseBitNetPreprocessing(o => o.MaxEmojiRun = 5000);
        var error = Assert.Throws<ArgumentException>(() => builder.Build());
        Assert.Contains("BitNetPreprocessingOptions.MaxEmojiRun is 5000; allowed: 1 to 1000.", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => ((ChatClientBuilder)null!).UseBitNetPreprocessing());
    }
}
