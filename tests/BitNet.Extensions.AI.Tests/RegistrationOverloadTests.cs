using BitNet.Runtime.KvCache;
using BitNet.Runtime.Model;
using BitNet.Tests;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BitNet.Extensions.AI.Tests;

/// <summary>The configuration-section, host-builder and keyed forms of <c>AddBitNetChatClient</c>.</summary>
public sealed class RegistrationOverloadTests
{
    [Fact]
    public async Task HostApplicationBuilder_BindsTheBitNetSection_ThenConfigureRuns()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BitNet:ModelPath"] = TinyModel.Path,
            ["BitNet:KvCache"] = "Int8",
            ["BitNet:Temperature"] = "0",
            ["BitNet:MaxOutputTokens"] = "7",
            ["BitNet:Threads"] = "1",
            ["BitNet:HeadQuantization"] = "Int8",
        });
        builder.AddBitNetChatClient(configure: o => o.MaxOutputTokens = 9);
        using var host = builder.Build();
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<BitNetChatClientOptions>>().Value;
        Assert.Equal(KvCacheType.Int8, options.KvCache);
        Assert.Equal(9, options.MaxOutputTokens); // configure runs after binding
        var client = host.Services.GetRequiredService<IChatClient>();
        var response = await client.GetResponseAsync("Once upon a time");
        Assert.Equal(9, response.Usage?.OutputTokenCount);
        Assert.Equal(KvCacheType.Int8, host.Services.GetRequiredService<BitNetRuntime>().Model.KvCacheType);
        Assert.Equal(1, host.Services.GetRequiredService<BitNetRuntime>().Model.Threads);
        Assert.Equal(HeadQuantization.Int8, options.HeadQuantization);
        Assert.Equal(Runtime.Gguf.GgufTensorType.Q8_0, host.Services.GetRequiredService<BitNetRuntime>().Model.Weights.Head.Type);
        await host.StopAsync();
    }

    [Fact]
    public async Task ConfigurationSection_InvalidValue_StopsTheHostNamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Llm:TopP"] = "2" });
        builder.Services.AddBitNetChatClient(builder.Configuration.GetSection("Llm"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("BitNetChatClientOptions.TopP is 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keyed_ClientsHaveTheirOwnOptionsAndRuntime_SharedWithinAKey()
    {
        var services = new ServiceCollection();
        services.AddKeyedBitNetChatClient("fast", o =>
        {
            o.ModelPath = TinyModel.Path;
            o.KvCache = KvCacheType.Int4;
            o.Temperature = 0;
        });
        services.AddKeyedBitNetChatClient("exact", o => o.ModelPath = TinyModel.Path);
        await using var provider = services.BuildServiceProvider();

        var fast = provider.GetRequiredKeyedService<IChatClient>("fast");
        var exact = provider.GetRequiredKeyedService<IChatClient>("exact");
        var fastRuntime = provider.GetRequiredKeyedService<BitNetRuntime>("fast");
        Assert.Same(fastRuntime, fast.GetService<BitNetRuntime>());
        Assert.Same(fastRuntime, provider.GetRequiredKeyedService<IChatClient>("fast").GetService<BitNetRuntime>());
        Assert.NotSame(fastRuntime, exact.GetService<BitNetRuntime>());
        Assert.Equal(KvCacheType.Int4, fastRuntime.Model.KvCacheType);
        Assert.Equal(KvCacheType.F32, provider.GetRequiredKeyedService<BitNetRuntime>("exact").Model.KvCacheType);
        Assert.Null(provider.GetService<IChatClient>()); // nothing unkeyed was registered

        var response = await fast.GetResponseAsync("Once upon a time", new ChatOptions { MaxOutputTokens = 5 });
        Assert.Equal(5, response.Usage?.OutputTokenCount);
    }

    [Fact]
    public void Keyed_InvalidNamedOptions_FailWhenResolved()
    {
        var services = new ServiceCollection();
        services.AddKeyedBitNetChatClient("bad", o => o.MaxConcurrentRequests = 0);
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredKeyedService<IChatClient>("bad"));
        Assert.Contains("BitNetChatClientOptions.MaxConcurrentRequests is 0", error.Message, StringComparison.Ordinal);
    }
}
