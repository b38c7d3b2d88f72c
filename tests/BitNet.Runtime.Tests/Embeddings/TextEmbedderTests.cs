using System.Numerics.Tensors;
using BitNet.Runtime.Embeddings;
using BitNet.Runtime.Model;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Embeddings;

public sealed class TextEmbedderTests
{
    private const string Story = "Once upon a time, there was a little girl named Lily. She loved to play outside in the sun.";

    [Theory]
    [InlineData(ActivationQuantization.None)]
    [InlineData(ActivationQuantization.Int8PerToken)]
    public void Embedding_IsTheNormalizedMeanOfTheFinalHiddenStates_WithoutBos(ActivationQuantization activationQuantization)
    {
        using var model = TinyModel.Load(activationQuantization);
        var embedder = new TextEmbedder(model);
        Assert.Equal(model.Config.EmbeddingLength, embedder.Dimensions);
        var ids = embedder.Tokenize(Story);
        Assert.Equal(model.Tokenizer.BosId, ids[0]);

        using var session = model.CreateSession();
        var embedding = new float[embedder.Dimensions];
        embedder.Embed(session, ids, embedding);

        // Independently: one position at a time, each state taken alone, BOS skipped, averaged, normalized.
        using var reference = model.CreateSession();
        reference.Evaluate(ids[0], computeLogits: false);
        var mean = new double[embedder.Dimensions];
        var state = new float[embedder.Dimensions];
        for (var i = 1; i < ids.Length; i++)
        {
            Array.Clear(state);
            reference.AccumulateHiddenStates([ids[i]], state);
            for (var j = 0; j < mean.Length; j++) mean[j] += state[j] / (ids.Length - 1);
        }
        var norm = Math.Sqrt(mean.Sum(x => x * x));
        for (var j = 0; j < mean.Length; j++)
            Assert.True(Math.Abs(embedding[j] - mean[j] / norm) <= 1e-5, $"element {j}: {embedding[j]} vs {mean[j] / norm}");
        Assert.Equal(1f, TensorPrimitives.Norm(embedding), 1e-5f);
    }

    [Fact]
    public void Embedding_IsBitIdentical_AcrossCallsAndSessions_WhateverTheSessionHeldBefore()
    {
        using var model = TinyModel.Load(ActivationQuantization.Int8PerToken);
        var embedder = new TextEmbedder(model);
        var ids = embedder.Tokenize(Story);

        using var fresh = model.CreateSession();
        var first = new float[embedder.Dimensions];
        embedder.Embed(fresh, ids, first);

        // The same session again (its BOS entry reused), and one that held another text and a generated tail.
        var again = new float[embedder.Dimensions];
        embedder.Embed(fresh, ids, again);
        using var used = model.CreateSession();
        used.Prefill(model.Tokenizer.Encode("The dog ran to the park."));
        used.Decode(42);
        var afterOther = new float[embedder.Dimensions];
        embedder.Embed(used, ids, afterOther);
        // A session whose first token is not BOS is rewound entirely.
        using var noBos = model.CreateSession();
        noBos.Prefill([5, 6, 7]);
        var afterNoBos = new float[embedder.Dimensions];
        embedder.Embed(noBos, ids, afterNoBos);

        Assert.Equal(first, again);
        Assert.Equal(first, afterOther);
        Assert.Equal(first, afterNoBos);
        Assert.Equal(ids, used.Tokens.ToArray());
    }

    [Fact]
    public void DifferentTexts_GiveDifferentUnitVectors_AndRelatedTextsAreCloser()
    {
        using var model = TinyModel.Load(ActivationQuantization.None);
        var embedder = new TextEmbedder(model);
        using var session = model.CreateSession();
        float[] Embed(string text)
        {
            var v = new float[embedder.Dimensions];
            embedder.Embed(session, embedder.Tokenize(text), v);
            return v;
        }

        var dog = Embed("The dog barked at the cat. The cat ran up the tree and the dog waited below.");
        var dog2 = Embed("The cat was scared of the big dog. It climbed a tree to hide from the dog.");
        var cake = Embed("Mom baked a cake for the party. Everyone ate cake and sang a happy song.");
        Assert.NotEqual(dog, dog2);
        foreach (var v in new[] { dog, dog2, cake }) Assert.Equal(1f, TensorPrimitives.Norm(v), 1e-5f);
        Assert.True(TensorPrimitives.Dot(dog, dog2) > TensorPrimitives.Dot(dog, cake),
            $"cos(dog, dog2) = {TensorPrimitives.Dot(dog, dog2)} should exceed cos(dog, cake) = {TensorPrimitives.Dot(dog, cake)}");
    }

    [Fact]
    public void AnEmptyText_IsTheBosState_TheSameUnitVectorEveryTime()
    {
        using var model = TinyModel.Load(ActivationQuantization.None);
        var embedder = new TextEmbedder(model);
        var ids = embedder.Tokenize("");
        Assert.Equal([model.Tokenizer.BosId], ids);

        using var session = model.CreateSession();
        session.Prefill(model.Tokenizer.Encode("Something else first."));
        var empty = new float[embedder.Dimensions];
        embedder.Embed(session, ids, empty);
        Assert.Equal(1f, TensorPrimitives.Norm(empty), 1e-5f);

        using var other = model.CreateSession();
        var again = new float[embedder.Dimensions];
        embedder.Embed(other, ids, again);
        Assert.Equal(empty, again);
    }

    [Fact]
    public void ATextLongerThanTheContext_IsRejectedWithItsTokenCount()
    {
        using var model = TinyModel.Load(ActivationQuantization.None, contextLength: 16);
        var embedder = new TextEmbedder(model);
        var error = Assert.Throws<ContextLengthExceededException>(() => embedder.Tokenize(Story, "Input 3"));
        var tokens = model.Tokenizer.Encode(Story).Length;
        Assert.Equal(tokens, error.RequiredTokens);
        Assert.Equal(16, error.ContextLength);
        Assert.Contains($"Input 3 has {tokens} tokens", error.Message, StringComparison.Ordinal);
        Assert.Contains("not truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadArguments_AreRejectedBeforeAnythingIsEvaluated()
    {
        using var model = TinyModel.Load(ActivationQuantization.None);
        using var otherModel = TinyModel.Load(ActivationQuantization.None);
        var embedder = new TextEmbedder(model);
        using var session = model.CreateSession();
        var ids = embedder.Tokenize(Story);

        Assert.Throws<ArgumentNullException>(() => embedder.Tokenize(null!));
        Assert.Throws<ArgumentNullException>(() => embedder.Embed(null!, ids, new float[256]));
        Assert.Contains("256 floats", Assert.Throws<ArgumentException>(() => embedder.Embed(session, ids, new float[10])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => embedder.Embed(session, [], new float[256]));
        using var foreign = otherModel.CreateSession();
        Assert.Contains("another model", Assert.Throws<ArgumentException>(() => embedder.Embed(foreign, ids, new float[256])).Message, StringComparison.Ordinal);
        Assert.Equal(0, session.Position);
    }

    [Fact]
    public void Cancellation_StopsTheEvaluation()
    {
        using var model = TinyModel.Load(ActivationQuantization.None);
        var embedder = new TextEmbedder(model);
        using var session = model.CreateSession();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => embedder.Embed(session, embedder.Tokenize(Story), new float[256], cancelled.Token));
    }

    [Fact]
    public void Embed_AllocatesNothing_OnAWarmSession()
    {
        using var model = TinyModel.Load(ActivationQuantization.Int8PerToken);
        var embedder = new TextEmbedder(model);
        using var session = model.CreateSession();
        var ids = embedder.Tokenize(Story);
        var embedding = new float[embedder.Dimensions];
        embedder.Embed(session, ids, embedding);
        Assert.Equal(0, Allocations.Measure(() => embedder.Embed(session, ids, embedding)));
    }
}
