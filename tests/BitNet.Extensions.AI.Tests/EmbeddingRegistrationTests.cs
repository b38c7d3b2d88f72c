using BitNet.Runtime;
using BitNet.Tests;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BitNet.Extensions.AI.Tests;

public sealed class EmbeddingRegistrationTests
{
    [Fact]
    public async Task AddBitNetEmbeddingGenerator_ReturnsTheBuilder_AndSharesTheRuntimeWithTheChatClient()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddBitNetChatClient(o => o.ContextLength = 128);
        EmbeddingGeneratorBuilder<string, Embedding<float>> builder = services.AddBitNetEmbeddingGenerator(o => o.ModelId = "stories");
        builder.UseLogging();

        await using var provider = services.BuildServiceProvider(validateScopes: true);
        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        Assert.IsType<LoggingEmbeddingGenerator<string, Embedding<float>>>(generator);
        var runtime = provider.GetRequiredService<BitNetRuntime>();
        Assert.Same(runtime, generator.GetService<BitNetRuntime>());
        Assert.Same(runtime, provider.GetRequiredService<IChatClient>().GetService<BitNetRuntime>());
        Assert.Equal(128, runtime.Model.ContextLength); // both configure delegates apply to the one runtime's options

        // Metadata reaches through the middleware.
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal(("bitnet", "stories", 256), (metadata.ProviderName, metadata.DefaultModelId, metadata.DefaultModelDimensions));
        var result = await generator.GenerateAsync(["Once upon a time"]);
        Assert.Equal("stories", result[0].ModelId);
        Assert.Equal(256, result[0].Dimensions);
    }

    [Fact]
    public async Task AddBitNetEmbeddingGenerator_Alone_LoadsTheShippedModel_AndValidatesItsOptions()
    {
        var services = new ServiceCollection();
        services.AddBitNetEmbeddingGenerator();
        await using (var provider = services.BuildServiceProvider())
        {
            var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
            Assert.Equal(DefaultModel.Path, generator.GetService<BitNetModel>()!.ModelPath);
            Assert.Single(await generator.GenerateAsync(["Tim found a ball."]));
            Assert.Null(provider.GetService<IChatClient>());
        }

        var bad = new ServiceCollection();
        bad.AddBitNetEmbeddingGenerator(o => o.MaxConcurrentRequests = 0);
        await using var badProvider = bad.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => badProvider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Contains("BitNetChatClientOptions.MaxConcurrentRequests is 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keyed_TheGeneratorSharesTheRuntimeOfItsKey()
    {
        var services = new ServiceCollection();
        services.AddKeyedBitNetChatClient("tiny", o => o.ModelPath = TinyModel.Path);
        services.AddKeyedBitNetEmbeddingGenerator("tiny");
        services.AddKeyedBitNetEmbeddingGenerator("other", o => o.ModelPath = TinyModel.Path);
        await using var provider = services.BuildServiceProvider();

        var tiny = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("tiny");
        var other = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("other");
        Assert.Same(provider.GetRequiredKeyedService<BitNetRuntime>("tiny"), tiny.GetService<BitNetRuntime>());
        Assert.Same(provider.GetRequiredKeyedService<IChatClient>("tiny").GetService<BitNetRuntime>(), tiny.GetService<BitNetRuntime>());
        Assert.NotSame(tiny.GetService<BitNetRuntime>(), other.GetService<BitNetRuntime>());
        Assert.Null(provider.GetService<IEmbeddingGenerator<string, Embedding<float>>>());

        var a = await tiny.GenerateAsync(["Tim found a ball."]);
        var b = await other.GenerateAsync(["Tim found a ball."]);
        Assert.Equal(a[0].Vector.ToArray(), b[0].Vector.ToArray());
    }

    [Fact]
    public void NullArguments_AreRejected()
    {
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddBitNetEmbeddingGenerator());
        Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddKeyedBitNetEmbeddingGenerator(null!));
    }
}
