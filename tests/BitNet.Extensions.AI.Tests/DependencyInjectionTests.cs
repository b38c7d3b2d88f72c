using BitNet.Runtime;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BitNet.Extensions.AI.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task AddBitNetChatClient_RegistersTheClient_OnTheShippedModel_AndReturnsTheBuilder()
    {
        var services = new ServiceCollection().AddLogging();
        ChatClientBuilder builder = services.AddBitNetChatClient(o =>
        {
            o.Temperature = 0;
            o.MaxOutputTokens = 4;
        });
        builder.UseLogging();

        await using var provider = services.BuildServiceProvider(validateScopes: true);
        var client = provider.GetRequiredService<IChatClient>();

        // Preprocessing is the first layer AddBitNetChatClient adds, hence the outermost; the caller's logging runs inside it.
        Assert.IsType<BitNetPreprocessingChatClient>(client);
        Assert.NotNull(client.GetService<LoggingChatClient>());
        var bitnet = client.GetService<BitNetChatClient>();
        Assert.NotNull(bitnet);
        Assert.Same(provider.GetRequiredService<BitNetRuntime>(), bitnet.Runtime);
        Assert.Equal(DefaultModel.Path, bitnet.Runtime.Model.ModelPath);
        Assert.Equal("bitnet", client.GetService<ChatClientMetadata>()!.ProviderName);

        var response = await client.GetResponseAsync("Once upon a time");
        Assert.Equal(4, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task TheContainer_DisposesTheRuntimeItLoaded()
    {
        var services = new ServiceCollection();
        services.AddBitNetChatClient();
        BitNetRuntime runtime;
        await using (var provider = services.BuildServiceProvider())
        {
            _ = provider.GetRequiredService<IChatClient>();
            runtime = provider.GetRequiredService<BitNetRuntime>();
        }

        using var client = new BitNetChatClient(runtime);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetResponseAsync("Once upon a time"));
    }

    [Fact]
    public void AnExistingRuntimeRegistration_IsKept()
    {
        using var runtime = new BitNetRuntime(SharedModel.Model);
        var services = new ServiceCollection();
        services.AddSingleton(runtime);
        services.AddBitNetChatClient();
        using var provider = services.BuildServiceProvider();
        Assert.Same(runtime, provider.GetRequiredService<IChatClient>().GetService<BitNetRuntime>());
    }

    [Fact]
    public async Task InvalidOptions_StopTheHost_WithAClearValidationError()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBitNetChatClient(o =>
        {
            o.TopP = 1.5f;
            o.MaxConcurrentRequests = 0;
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(typeof(BitNetChatClientOptions), error.OptionsType);
        Assert.Contains("BitNetChatClientOptions.TopP is 1.5; allowed: (0, 1]", error.Message, StringComparison.Ordinal);
        Assert.Contains("BitNetChatClientOptions.MaxConcurrentRequests is 0; allowed: >= 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidOptions_WithoutAHost_FailWhenTheClientIsResolved()
    {
        var services = new ServiceCollection();
        services.AddBitNetChatClient(o => o.Temperature = -1);
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("BitNetChatClientOptions.Temperature is -1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigureCalls_Accumulate()
    {
        var services = new ServiceCollection();
        services.Configure<BitNetChatClientOptions>(o => o.ModelId = "configured");
        services.AddBitNetChatClient(o => o.TopK = 5);
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<BitNetChatClientOptions>>().Value;
        Assert.Equal("configured", options.ModelId);
        Assert.Equal(5, options.TopK);
        Assert.Null(options.ModelPath);
    }
}
