using BitNet.Runtime.Evaluation;
using BitNet.Runtime.KvCache;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Evaluation;

public sealed class KvCacheComparisonTests
{
    private static IReadOnlyList<string> TwoStories() =>
        PerplexityEvaluator.ReadDocuments(SharedData.File("models", "tinystories-bitnet", "heldout-stories.txt")).Take(2).ToArray();

    [Fact]
    public void SameType_HasNoDivergence_AndFullAgreement()
    {
        using var model = TinyModel.Load();
        var result = new KvCacheComparison(model, KvCacheType.F32, KvCacheType.F32).Compare(TwoStories());
        Assert.True(result.Positions > 100);
        Assert.Equal(0, result.MeanKullbackLeibler, 12);
        Assert.Equal(1, result.TopTokenAgreement);
        Assert.Equal(result.ReferencePerplexity, result.CandidatePerplexity);
    }

    [Fact]
    public void CandidatePerplexity_IsWhatThePerplexityEvaluatorComputesForThatType()
    {
        var stories = TwoStories();
        using var fp8 = BitNetModel.Load(new BitNetModelOptions { ModelPath = TinyModel.Path, KvCache = KvCacheType.Fp8 });
        var expected = new PerplexityEvaluator(fp8).Evaluate(stories).Perplexity;
        var result = new KvCacheComparison(fp8, KvCacheType.F32, KvCacheType.Fp8).Compare(stories);
        Assert.Equal(expected, result.CandidatePerplexity, 9);
        Assert.InRange(result.MeanKullbackLeibler, 1e-9, 0.05);
        Assert.InRange(result.TopTokenAgreement, 0.9, 1);
    }

    [Fact]
    public void KullbackLeibler_OfKnownDistributions()
    {
        // P = (1/2, 1/2), Q = (1/4, 3/4): KL = ½ ln 2 + ½ ln(2/3).
        var scratch = new double[2];
        var kl = KvCacheComparison.KullbackLeibler([0f, 0f], [0f, MathF.Log(3f)], scratch);
        Assert.Equal(0.5 * Math.Log(2) + 0.5 * Math.Log(2.0 / 3), kl, 6);
    }
}
