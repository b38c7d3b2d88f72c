using BitNet.Runtime.Embeddings;
using BitNet.Runtime.Evaluation;
using BitNet.Runtime.Model;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Evaluation;

public sealed class HalfDocumentRetrievalTests
{
    [Fact]
    public void HalvesOfOneStory_AreCloserThanHalvesOfDifferentStories()
    {
        var stories = PerplexityEvaluator.ReadDocuments(SharedData.File("models", "tinystories-bitnet", "heldout-stories.txt")).Take(12).ToArray();
        using var model = TinyModel.Load(ActivationQuantization.Int8PerToken);
        var result = new HalfDocumentRetrieval(new TextEmbedder(model)).Evaluate(stories);

        Assert.Equal(12, result.Documents);
        Assert.Equal(1.0 / 12, result.ChanceAccuracy, 12);
        Assert.True(result.MeanMatchingCosine > result.MeanOtherCosine, $"same {result.MeanMatchingCosine} vs other {result.MeanOtherCosine}");
        Assert.True(result.AccuracyAt1 > result.ChanceAccuracy, $"accuracy@1 {result.AccuracyAt1}");
        Assert.InRange(result.MeanReciprocalRank, result.AccuracyAt1, 1.0);
        Assert.InRange(result.BaselineAccuracyAt1, 0.0, 1.0);
        // Every story's tokens once (a half keeps at most context - 1 of them), plus one BOS per half.
        var maxHalf = model.ContextLength - 1;
        Assert.Equal(stories.Sum(s =>
        {
            var length = model.Tokenizer.Encode(s, addBos: false).Length;
            return Math.Min(length / 2, maxHalf) + Math.Min(length - length / 2, maxHalf) + 2;
        }), result.Tokens);
        Assert.True(result.EmbeddingsPerSecond > 0);

        // Deterministic: the same documents score the same.
        Assert.Equal(result.AccuracyAt1, new HalfDocumentRetrieval(new TextEmbedder(model)).Evaluate(stories).AccuracyAt1);
    }

    [Fact]
    public void TooFewUsableDocuments_AreRejected()
    {
        using var model = TinyModel.Load(ActivationQuantization.None);
        var retrieval = new HalfDocumentRetrieval(new TextEmbedder(model));
        Assert.Throws<ArgumentNullException>(() => retrieval.Evaluate(null!));
        var error = Assert.Throws<ArgumentException>(() => retrieval.Evaluate(["Once upon a time there was a dog.", "", "a"]));
        Assert.Contains("at least two documents", error.Message, StringComparison.Ordinal);
    }
}
