using BitNet.Runtime.Sampling;

namespace BitNet.Runtime.Tests.Sampling;

/// <summary>Exactly which tokens top-nσ and the fused top-k/top-p set (with its floor) keep, on hand-made logits.</summary>
public class SamplerAdaptiveFilterTests
{
    private static int[] KeptIds(SamplingOptions options, float[] logits) =>
        Array.ConvertAll(new Sampler(options with { Seed = 1 }, logits.Length).GetFilteredDistribution(logits), c => c.TokenId);

    [Fact]
    public void TopNSigma_KeepsLogitsWithinNSigmaOfTheMaximum()
    {
        // Mean 2, population σ = sqrt((9 + 4 + 1 + 0 + 1 + 4 + 9 + 0) / 8) = sqrt(3.5) = 1.8708.
        float[] logits = [5f, 4f, 3f, 2f, 1f, 0f, -1f, 2f];
        // max − 1σ = 3.129: {5, 4}; max − 2σ = 1.258: {5, 4, 3, 2, 2}; max − 3σ = -0.61: all but -1.
        Assert.Equal([0, 1], KeptIds(new SamplingOptions { TopNSigma = 1f }, logits));
        Assert.Equal([0, 1, 2, 3, 7], KeptIds(new SamplingOptions { TopNSigma = 2f }, logits));
        Assert.Equal([0, 1, 2, 3, 4, 5, 7], KeptIds(new SamplingOptions { TopNSigma = 3f }, logits));
        // A tiny n keeps only the maximum (and its ties).
        Assert.Equal([0], KeptIds(new SamplingOptions { TopNSigma = 1e-6f }, logits));
        Assert.Equal([0, 1], KeptIds(new SamplingOptions { TopNSigma = 1e-6f }, [3f, 3f, 1f]));
    }

    [Theory]
    [InlineData(0.3f)]
    [InlineData(1f)]
    [InlineData(4f)]
    public void TopNSigma_DoesNotDependOnTheTemperature(float temperature)
    {
        float[] logits = [5f, 4f, 3f, 2f, 1f, 0f, -1f, 2f];
        Assert.Equal([0, 1, 2, 3, 7], KeptIds(new SamplingOptions { TopNSigma = 2f, Temperature = temperature }, logits));
    }

    [Fact]
    public void TopNSigma_IsMeasuredOnTheTopKSet_AndIgnoresUnusableLogits()
    {
        float[] logits = [5f, 4f, 3f, 2f, 1f, 0f, -1f, 2f];
        // Top-4 = {5, 4, 3, 2 (id 3)}: mean 3.5, σ = sqrt(1.25) = 1.118; max − 1σ = 3.88 keeps {5, 4}.
        Assert.Equal([0, 1], KeptIds(new SamplingOptions { TopK = 4, TopNSigma = 1f }, logits));
        // Over all eight, max − 1σ = 3.13 would keep the same two; with n = 1.5 the sets differ:
        // top-4: 5 − 1.68 = 3.32 → {5, 4}; all: 5 − 2.81 = 2.19 → {5, 4, 3}.
        Assert.Equal([0, 1], KeptIds(new SamplingOptions { TopK = 4, TopNSigma = 1.5f }, logits));
        Assert.Equal([0, 1, 2], KeptIds(new SamplingOptions { TopNSigma = 1.5f }, logits));

        // NaN and -inf are not candidates and do not enter μ or σ: the same set as without them.
        float[] holes = [5f, float.NaN, 4f, 3f, float.NegativeInfinity, 2f, 1f, 0f, -1f, 2f];
        Assert.Equal([0, 2, 3, 5, 9], KeptIds(new SamplingOptions { TopNSigma = 2f }, holes));
    }

    [Fact]
    public void FusedTopKTopP_IsTheNucleusOfTheTopKDistribution_CappedAtK_WithAFloor()
    {
        // Probabilities 0.30, 0.20, 0.15, 0.10, 0.08, 0.07, 0.05, 0.05 (ids 0..7, already in descending order).
        double[] p = [0.30, 0.20, 0.15, 0.10, 0.08, 0.07, 0.05, 0.05];
        var logits = Array.ConvertAll(p, x => (float)Math.Log(x));

        // Top-5 mass 0.83; the nucleus at 0.7 of it (0.581): 0.30, 0.50, 0.65 ≥ 0.581 → 3 tokens.
        Assert.Equal([0, 1, 2], KeptIds(new SamplingOptions { TopK = 5, TopP = 0.7f }, logits));
        // Never more than K: P = 0.99 of the top-3 is all three, however flat the tail.
        Assert.Equal([0, 1, 2], KeptIds(new SamplingOptions { TopK = 3, TopP = 0.99f }, logits));
        // The floor: MinKeep 4 extends a 1-token nucleus to the 4 most probable ...
        Assert.Equal([0], KeptIds(new SamplingOptions { TopK = 6, TopP = 0.2f }, logits));
        Assert.Equal([0, 1, 2, 3], KeptIds(new SamplingOptions { TopK = 6, TopP = 0.2f, MinKeep = 4 }, logits));
        // ... but not beyond K, and a nucleus already longer than the floor is unchanged.
        Assert.Equal([0, 1], KeptIds(new SamplingOptions { TopK = 2, TopP = 0.2f, MinKeep = 4 }, logits));
        Assert.Equal([0, 1, 2], KeptIds(new SamplingOptions { TopK = 5, TopP = 0.7f, MinKeep = 2 }, logits));
        // Ties in the floor go to the lower id, like everywhere else.
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], KeptIds(new SamplingOptions { TopP = 0.1f, MinKeep = 7 }, logits));
    }

    [Fact]
    public void MinKeep_OnlyWidensTopP()
    {
        double[] p = [0.5, 0.25, 0.15, 0.1];
        var logits = Array.ConvertAll(p, x => (float)Math.Log(x));
        // Min-p and top-nσ are not widened by the floor; top-p cannot bring back what they removed.
        Assert.Equal([0], KeptIds(new SamplingOptions { MinP = 0.6f, MinKeep = 3 }, logits));
        Assert.Equal([0], KeptIds(new SamplingOptions { MinP = 0.6f, TopP = 0.5f, MinKeep = 3 }, logits));
        // Without top-p the floor has nothing to do.
        Assert.Equal([0, 1, 2, 3], KeptIds(new SamplingOptions { MinKeep = 2 }, logits));
    }

    [Fact]
    public void EveryFilterTogether_KeepsTheIntersectionInTheDocumentedOrder()
    {
        // Logits 6, 5.5, 5, 4, 3, 2, 1, 0 (ids 0..7).
        float[] logits = [6f, 5.5f, 5f, 4f, 3f, 2f, 1f, 0f];
        var options = new SamplingOptions { TopK = 6, TopNSigma = 1.5f, Temperature = 1f, MinP = 0.1f, TopP = 0.8f };
        // Top-6: 6, 5.5, 5, 4, 3, 2: mean 4.25, σ = sqrt((3.0625 + 1.5625 + 0.5625 + 0.0625 + 1.5625 + 5.0625) / 6) = 1.407;
        // 6 − 2.11 = 3.89 keeps {6, 5.5, 5, 4}. Softmax: weights 1, .607, .368, .135 (sum 2.110); min-p 0.1 keeps all;
        // top-p 0.8: .474, .762, .936 → {0, 1, 2}.
        Assert.Equal([0, 1, 2], KeptIds(options, logits));
        Assert.Equal(
            Array.ConvertAll(SamplerFilterTests.ReferenceFilter(logits, options), c => c.TokenId),
            KeptIds(options, logits));
    }
}
