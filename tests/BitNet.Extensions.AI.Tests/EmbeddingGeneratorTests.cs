using System.Numerics.Tensors;
using BitNet.Runtime;
using BitNet.Runtime.Embeddings;
using BitNet.Runtime.Tokenization;
using BitNet.Tests;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

public sealed class EmbeddingGeneratorTests
{
    private static readonly string[] s_texts =
    [
        "The dog barked at the cat. The cat ran up the tree.",
        "Mom baked a cake for the party.",
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the sun.",
        "Tim found a shiny red ball in the park.",
    ];

    private static BitNetEmbeddingGenerator CreateGenerator(int maxConcurrentRequests = 1) =>
        new(new BitNetRuntime(SharedModel.Model, maxConcurrentRequests));

    private static float[] Vector(Embedding<float> embedding) => embedding.Vector.ToArray();

    [Fact]
    public async Task Embeddings_HaveTheHiddenSize_UnitNorm_ModelIdCreatedAtAndUsage()
    {
        using var generator = CreateGenerator();
        var before = DateTimeOffset.UtcNow;
        var result = await generator.GenerateAsync(s_texts);

        Assert.Equal(s_texts.Length, result.Count);
        var tokenizer = SharedModel.Model.Tokenizer;
        Assert.Equal(s_texts.Sum(t => tokenizer.CountTokens(t)), result.Usage!.InputTokenCount);
        Assert.Equal(result.Usage.InputTokenCount, result.Usage.TotalTokenCount);
        Assert.Null(result.Usage.OutputTokenCount);
        foreach (var embedding in result)
        {
            Assert.Equal(SharedModel.Model.Config.EmbeddingLength, embedding.Dimensions);
            Assert.Equal(256, embedding.Vector.Length);
            Assert.Equal(1f, TensorPrimitives.Norm(embedding.Vector.Span), 1e-5f);
            Assert.Equal(SharedModel.Model.ModelId, embedding.ModelId);
            Assert.InRange(embedding.CreatedAt!.Value, before, DateTimeOffset.UtcNow);
        }
    }

    [Fact]
    public async Task TheSameText_GivesABitIdenticalVector_AcrossCalls_BatchOrder_AndOneByOne()
    {
        using var generator = CreateGenerator();
        var batch = await generator.GenerateAsync(s_texts);
        var reversed = await generator.GenerateAsync(s_texts.Reverse());
        var again = await generator.GenerateAsync(s_texts);

        for (var i = 0; i < s_texts.Length; i++)
        {
            var single = await generator.GenerateAsync([s_texts[i]]);
            Assert.Equal(Vector(single[0]), Vector(batch[i]));
            Assert.Equal(Vector(batch[i]), Vector(again[i]));
            Assert.Equal(Vector(batch[i]), Vector(reversed[s_texts.Length - 1 - i]));
        }
    }

    [Fact]
    public async Task Results_AreInInputOrder_AndMatchTheRuntimeEmbedder()
    {
        using var generator = CreateGenerator();
        var result = await generator.GenerateAsync(s_texts);

        var embedder = new TextEmbedder(SharedModel.Model);
        using var session = SharedModel.Model.CreateSession();
        for (var i = 0; i < s_texts.Length; i++)
        {
            var expected = new float[embedder.Dimensions];
            embedder.Embed(session, embedder.Tokenize(s_texts[i]), expected);
            Assert.Equal(expected, Vector(result[i]));
        }
        // Distinct texts, distinct vectors: the order is not an accident of equal values.
        Assert.Equal(s_texts.Length, result.Select(e => string.Join(',', Vector(e))).Distinct().Count());
    }

    [Fact]
    public async Task Dimensions_MayBeNullOrTheHiddenSize_AnythingElseIsRejected()
    {
        using var generator = CreateGenerator();
        Assert.Equal(256, generator.Dimensions);
        var exact = new EmbeddingGenerationOptions { Dimensions = 256, ModelId = "some-cloud-model" };
        var result = await generator.GenerateAsync(["Tim found a ball."], exact);
        Assert.Equal(256, result[0].Dimensions);
        Assert.Equal(SharedModel.Model.ModelId, result[0].ModelId);
        Assert.Equal(256, exact.Dimensions); // the options are not modified
        Assert.Equal("some-cloud-model", exact.ModelId);

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            generator.GenerateAsync(["Tim found a ball."], new EmbeddingGenerationOptions { Dimensions = 128 }));
        Assert.Equal("options", error.ParamName);
        Assert.Contains("Dimensions is 128", error.Message, StringComparison.Ordinal);
        Assert.Contains("256 dimensions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyInputs_HaveDefinedResults()
    {
        using var generator = CreateGenerator();
        var none = await generator.GenerateAsync([]);
        Assert.Empty(none);
        Assert.Equal(0, none.Usage!.InputTokenCount);

        // An empty string is the beginning-of-sequence state alone: one token, a unit vector, the same every time.
        var empty = await generator.GenerateAsync(["", "Tim found a ball.", ""]);
        Assert.Equal(3, empty.Count);
        Assert.Equal(1 + SharedModel.Model.Tokenizer.CountTokens("Tim found a ball.") + 1, empty.Usage!.InputTokenCount);
        Assert.Equal(1f, TensorPrimitives.Norm(empty[0].Vector.Span), 1e-5f);
        Assert.Equal(Vector(empty[0]), Vector(empty[2]));
        Assert.NotEqual(Vector(empty[0]), Vector(empty[1]));
    }

    [Fact]
    public async Task BadInputs_AreRejectedWithClearErrors_AndNothingIsEvaluated()
    {
        using var generator = CreateGenerator();
        await Assert.ThrowsAsync<ArgumentNullException>(() => generator.GenerateAsync(null!));
        var nullItem = await Assert.ThrowsAsync<ArgumentNullException>(() => generator.GenerateAsync(["a", null!]));
        Assert.Contains("Input 1", nullItem.Message, StringComparison.Ordinal);

        var tooLong = string.Concat(Enumerable.Repeat("The dog ran to the park and played with a ball. ", 40));
        var error = await Assert.ThrowsAsync<ContextLengthExceededException>(() => generator.GenerateAsync(["Tim found a ball.", tooLong]));
        Assert.Contains("Input 1 (counting from 0) to embed has", error.Message, StringComparison.Ordinal);
        Assert.Equal(256, error.ContextLength);
        Assert.Equal(SharedModel.Model.Tokenizer.CountTokens(tooLong), error.RequiredTokens);
        Assert.Equal(0, generator.Runtime.RetainedSessionCount); // no session was even taken
    }

    [Fact]
    public async Task Cancellation_BeforeOrDuringABatch_RaisesOperationCanceled_AndFreesTheRuntime()
    {
        using var generator = CreateGenerator();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var early = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(s_texts, cancellationToken: cancelled.Token));
        Assert.Equal(cancelled.Token, early.CancellationToken);

        // A batch that takes seconds, cancelled shortly after it starts.
        var many = Enumerable.Repeat(s_texts[2], 4000).ToArray();
        using var later = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var during = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(many, cancellationToken: later.Token));
        Assert.Equal(later.Token, during.CancellationToken);

        // The slot and the session came back: the runtime serves the next request.
        using var client = new BitNetChatClient(generator.Runtime);
        var response = await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(5));
        Assert.Equal(5, response.Usage!.OutputTokenCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task EmbeddingsAndChat_RunTogetherOnOneRuntime_WithoutDisturbingEachOther(int slots)
    {
        var runtime = new BitNetRuntime(SharedModel.Model, slots);
        using var generator = new BitNetEmbeddingGenerator(runtime);
        using var client = new BitNetChatClient(runtime);
        var chatOptions = SharedModel.GreedyChat(40);

        var chatAlone = (await client.GetResponseAsync("Once upon a time", chatOptions)).Text;
        var embeddingsAlone = await generator.GenerateAsync(s_texts);

        var chat = client.GetStreamingResponseAsync("Once upon a time", chatOptions).ToChatResponseAsync();
        var embeddings = Enumerable.Range(0, 4).Select(_ => generator.GenerateAsync(s_texts)).ToArray();
        var followUp = client.GetResponseAsync("Once upon a time", chatOptions);
        await Task.WhenAll([chat, followUp, .. embeddings]);

        Assert.Equal(chatAlone, (await chat).Text);
        Assert.Equal(chatAlone, (await followUp).Text);
        foreach (var result in embeddings)
            for (var i = 0; i < s_texts.Length; i++) Assert.Equal(Vector(embeddingsAlone[i]), Vector((await result)[i]));
        runtime.Dispose();
    }

    [Fact]
    public void GetService_AnswersMetadataAndTheEngineObjects()
    {
        using var generator = CreateGenerator();
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("bitnet", metadata.ProviderName);
        Assert.Null(metadata.ProviderUri);
        Assert.Equal(SharedModel.Model.ModelId, metadata.DefaultModelId);
        Assert.Equal(256, metadata.DefaultModelDimensions);
        Assert.Same(generator.Runtime, generator.GetService<BitNetRuntime>());
        Assert.Same(SharedModel.Model, generator.GetService<BitNetModel>());
        Assert.Same(SharedModel.Model.Tokenizer, generator.GetService<BitNetTokenizer>());
        Assert.NotNull(generator.GetService<TextEmbedder>());
        Assert.Same(generator, generator.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Null(generator.GetService<EmbeddingGeneratorMetadata>("key"));
        Assert.Null(generator.GetService<string>());
        Assert.Throws<ArgumentNullException>(() => generator.GetService(null!));

        using var named = new BitNetEmbeddingGenerator(generator.Runtime, "my-model");
        Assert.Equal("my-model", named.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId);
    }

    [Fact]
    public async Task Dispose_IsIdempotent_AndLeavesARuntimeItDoesNotOwn()
    {
        var runtime = new BitNetRuntime(SharedModel.Model);
        var generator = new BitNetEmbeddingGenerator(runtime);
        generator.Dispose();
        generator.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => generator.GenerateAsync(["a"]));
        Assert.Throws<ObjectDisposedException>(() => generator.GetService<BitNetRuntime>());

        using var next = new BitNetEmbeddingGenerator(runtime);
        Assert.Single(await next.GenerateAsync(["a"]));
        runtime.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => next.GenerateAsync(["a"]));
    }

    [Fact]
    public async Task AGeneratorThatLoadsItsModel_OwnsIt()
    {
        var generator = new BitNetEmbeddingGenerator(new BitNetChatClientOptions { ModelPath = TinyModel.Path, ModelId = "tiny" });
        var runtime = generator.Runtime;
        Assert.Equal("tiny", (await generator.GenerateAsync(["a"]))[0].ModelId);
        generator.Dispose();
        using var client = new BitNetChatClient(runtime);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetResponseAsync("a"));
    }
}
