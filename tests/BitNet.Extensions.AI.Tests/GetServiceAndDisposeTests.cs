using BitNet.Runtime;
using BitNet.Runtime.Tokenization;
using BitNet.Tests;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitNet.Extensions.AI.Tests;

public sealed class GetServiceAndDisposeTests
{
    [Fact]
    public void Metadata_NamesTheProviderAndModel_AndIsCached()
    {
        using var client = SharedModel.CreateClient();
        var metadata = client.GetService<ChatClientMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("bitnet", metadata.ProviderName);
        Assert.Null(metadata.ProviderUri);
        Assert.Equal(SharedModel.Model.ModelId, metadata.DefaultModelId);
        Assert.Same(metadata, client.GetService<ChatClientMetadata>());
    }

    [Fact]
    public void ModelIdOption_ReplacesTheReportedId()
    {
        using var client = SharedModel.CreateClient(new BitNetChatClientOptions { ModelId = "my-stories" });
        Assert.Equal("my-stories", client.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.Equal("my-stories", client.ModelId);
    }

    [Fact]
    public void EngineObjectsAndTheClientItself_AreAvailable()
    {
        using var client = SharedModel.CreateClient();
        Assert.Same(client.Runtime, client.GetService<BitNetRuntime>());
        Assert.Same(SharedModel.Model, client.GetService<BitNetModel>());
        Assert.Same(SharedModel.Model.Tokenizer, client.GetService<BitNetTokenizer>());
        Assert.Same(client, client.GetService<BitNetChatClient>());
        Assert.Same(client, client.GetService<IChatClient>());
        Assert.Same(client, client.GetService<IDisposable>());
        Assert.Same(client, client.GetService(typeof(object)));
        Assert.Null(client.GetService<string>());
        Assert.Null(client.GetService(typeof(ChatClientMetadata), serviceKey: "key"));
        Assert.Null(client.GetService(typeof(BitNetChatClient), serviceKey: "key"));
        Assert.Throws<ArgumentNullException>("serviceType", () => client.GetService(null!));
    }

    [Fact]
    public void ThroughAMiddlewarePipeline_TheProviderObjectsStillResolve()
    {
        using var client = SharedModel.CreateClient();
        using var pipeline = new ChatClientBuilder(client)
            .UseFunctionInvocation()
            .UseOpenTelemetry()
            .UseLogging(NullLoggerFactory.Instance)
            .Build();
        Assert.Same(client, pipeline.GetService<BitNetChatClient>());
        Assert.Same(client.Runtime, pipeline.GetService<BitNetRuntime>());
        Assert.Equal("bitnet", pipeline.GetService<ChatClientMetadata>()!.ProviderName);
    }

    [Fact]
    public async Task Dispose_IsIdempotent_LaterCallsThrow_AndABorrowedRuntimeLivesOn()
    {
        var runtime = new BitNetRuntime(SharedModel.Model);
        var client = new BitNetChatClient(runtime);
        client.Dispose();
        client.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetResponseAsync("Once upon a time"));
        Assert.Throws<ObjectDisposedException>(() => client.GetStreamingResponseAsync("Once upon a time"));
        Assert.Throws<ObjectDisposedException>(() => client.GetService<ChatClientMetadata>());

        using var other = new BitNetChatClient(runtime);
        Assert.NotEmpty((await other.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(2))).Text);
        runtime.Dispose();
        runtime.Dispose();
    }

    [Fact]
    public async Task ConvenienceConstructor_LoadsTheShippedModel_AndDisposesItsRuntime()
    {
        var client = new BitNetChatClient(new BitNetChatClientOptions { Temperature = 0, MaxOutputTokens = 3 });
        Assert.Equal(DefaultModel.Path, client.Runtime.Model.ModelPath);
        Assert.Equal(3, (await client.GetResponseAsync("Once upon a time")).Usage!.OutputTokenCount);

        client.Dispose();

        using var onDisposedRuntime = new BitNetChatClient(client.Runtime);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => onDisposedRuntime.GetResponseAsync("Once upon a time"));
    }

    [Fact]
    public void Constructors_ValidateTheirArguments()
    {
        Assert.Throws<ArgumentNullException>("runtime", () => new BitNetChatClient((BitNetRuntime)null!));
        Assert.Throws<ArgumentNullException>("options", () => new BitNetChatClient((BitNetChatClientOptions)null!));
        var error = Assert.Throws<ArgumentException>("options", () => SharedModel.CreateClient(new BitNetChatClientOptions { TopP = 2 }));
        Assert.Contains("BitNetChatClientOptions.TopP is 2", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>("maxConcurrentRequests", () => new BitNetRuntime(SharedModel.Model, 0));
        Assert.Throws<FileNotFoundException>(() => new BitNetChatClient(new BitNetChatClientOptions { ModelPath = "missing.gguf" }));
    }

    [Fact]
    public void OptionsChangedAfterConstruction_DoNotAffectTheClient()
    {
        var options = new BitNetChatClientOptions { ModelId = "before" };
        using var client = SharedModel.CreateClient(options);
        options.ModelId = "after";
        Assert.Equal("before", client.GetService<ChatClientMetadata>()!.DefaultModelId);
    }

    [Fact]
    public async Task DisposingTheRuntime_StopsARunningRequest()
    {
        var runtime = new BitNetRuntime(SharedModel.Model);
        using var client = new BitNetChatClient(runtime);
        await using var stream = client.GetStreamingResponseAsync("Once upon a time", SharedModel.GreedyChat()).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());

        await Task.Run(runtime.Dispose).WaitAsync(TimeSpan.FromSeconds(30));

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => { while (await stream.MoveNextAsync()) { } });
    }

    [Fact]
    public void RuntimeLoad_UsesTheLoadingOptions()
    {
        using var runtime = BitNetRuntime.Load(new BitNetChatClientOptions
        {
            ModelPath = TinyModel.Path,
            ContextLength = 64,
            MaxConcurrentRequests = 2,
            ActivationQuantization = BitNet.Runtime.Model.ActivationQuantization.None,
        });
        Assert.Equal(64, runtime.Model.ContextLength);
        Assert.Equal(2, runtime.MaxConcurrentRequests);
        Assert.Equal(BitNet.Runtime.Model.ActivationQuantization.None, runtime.Model.Options.ActivationQuantization);
    }
}
