using BitNet.Runtime.Sampling;

namespace BitNet.Runtime.Tests.Sampling;

/// <summary>The kept set and renormalised probabilities of each filter, on small hand-made logits.</summary>
public class SamplerFilterTests
{
    /// <summary>Logits whose softmax at temperature 1 is exactly proportional to <paramref name="probabilities"/>.</summary>
    private static float[] LogitsOf(params double[] probabilities) =>
        Array.ConvertAll(probabilities, p => (float)Math.Log(p));

    private static (int TokenId, double Probability)[] Filter(SamplingOptions options, float[] logits) =>
        new Sampler(options with { Seed = 1 }, logits.Length).GetFilteredDistribution(logits);

    private static int[] KeptIds(SamplingOptions options, float[] logits) =>
        Array.ConvertAll(Filter(options, logits), c => c.TokenId);

    private static void AssertDistribution(double[] expected, (int TokenId, double Probability)[] actual, params int[] ids)
    {
        Assert.Equal(ids, Array.ConvertAll(actual, c => c.TokenId));
        var total = 0.0;
        foreach (var id in ids)
            total += expected[id];
        for (var j = 0; j < ids.Length; j++)
            Assert.Equal(expected[ids[j]] / total, actual[j].Probability, 1e-6);
    }

    [Fact]
    public void NoFilter_KeepsEveryUsableToken_WithSoftmaxProbabilities()
    {
        double[] p = [0.1, 0.2, 0.3, 0.4];
        AssertDistribution(p, Filter(new SamplingOptions(), LogitsOf(p)), 0, 1, 2, 3);

        // NaN and -inf logits are not candidates.
        float[] logits = [0f, float.NaN, 0f, float.NegativeInfinity];
        Assert.Equal([(0, 0.5), (2, 0.5)], Filter(new SamplingOptions(), logits));
    }

    [Fact]
    public void Temperature_DividesTheLogits()
    {
        double[] p = [0.1, 0.2, 0.3, 0.4];
        var logits = LogitsOf(p);
        // softmax(log p / T) is proportional to p^(1/T).
        foreach (var t in new[] { 0.5, 2.0 })
        {
            var expected = Array.ConvertAll(p, x => Math.Pow(x, 1 / t));
            AssertDistribution(expected, Filter(new SamplingOptions { Temperature = (float)t }, logits), 0, 1, 2, 3);
        }
    }

    [Fact]
    public void PositiveInfinity_TakesAllTheMass()
    {
        float[] logits = [5f, float.PositiveInfinity, 0f, float.PositiveInfinity];
        Assert.Equal([(1, 0.5), (3, 0.5)], Filter(new SamplingOptions { MinP = 0.1f }, logits));
    }

    [Fact]
    public void TopK_KeepsTheKLargestLogits()
    {
        float[] logits = [1f, 5f, 3f, 4.5f, 2f, 4f];
        Assert.Equal([1, 3, 5], KeptIds(new SamplingOptions { TopK = 3 }, logits));
        Assert.Equal([1], KeptIds(new SamplingOptions { TopK = 1 }, logits));
        Assert.Equal([0, 1, 2, 3, 4, 5], KeptIds(new SamplingOptions { TopK = 6 }, logits));
        Assert.Equal([0, 1, 2, 3, 4, 5], KeptIds(new SamplingOptions { TopK = 100 }, logits));

        // Probabilities are the softmax over the kept logits only.
        double[] p = [0.05, 0.3, 0.1, 0.25, 0.2, 0.1];
        AssertDistribution(p, Filter(new SamplingOptions { TopK = 3 }, LogitsOf(p)), 1, 3, 4);
    }

    [Fact]
    public void TopK_TiesAtTheBoundary_GoToTheLowerId()
    {
        float[] logits = [3f, 1f, 3f, 3f, 0f, 3f];
        Assert.Equal([0, 2], KeptIds(new SamplingOptions { TopK = 2 }, logits));
        Assert.Equal([0, 2, 3], KeptIds(new SamplingOptions { TopK = 3 }, logits));
        float[] later = [1f, 2f, 2f, 9f, 2f];
        Assert.Equal([1, 3], KeptIds(new SamplingOptions { TopK = 2 }, later));
    }

    [Fact]
    public void TopK_SkipsNaN_AndKeepsFewerWhenTooFewAreUsable()
    {
        float[] logits = [float.NaN, 2f, float.NegativeInfinity, 1f, float.NaN];
        Assert.Equal([1, 3], KeptIds(new SamplingOptions { TopK = 3 }, logits));
        float[] nanFirst = [float.NaN, float.NaN, 1f, 3f, 2f];
        Assert.Equal([3, 4], KeptIds(new SamplingOptions { TopK = 2 }, nanFirst));
    }

    [Fact]
    public void TopP_KeepsTheShortestPrefixReachingP()
    {
        double[] p = [0.1, 0.4, 0.2, 0.3]; // descending order: 1, 3, 2, 0
        var logits = LogitsOf(p);
        AssertDistribution(p, Filter(new SamplingOptions { TopP = 0.35f }, logits), 1);
        AssertDistribution(p, Filter(new SamplingOptions { TopP = 0.5f }, logits), 1, 3);
        AssertDistribution(p, Filter(new SamplingOptions { TopP = 0.75f }, logits), 1, 2, 3);
        AssertDistribution(p, Filter(new SamplingOptions { TopP = 0.95f }, logits), 0, 1, 2, 3);
        AssertDistribution(p, Filter(new SamplingOptions { TopP = 1e-7f }, logits), 1); // always at least one
    }

    [Fact]
    public void TopP_TiesAtTheBoundary_GoToTheLowerId()
    {
        double[] p = [0.2, 0.3, 0.3, 0.2]; // exact ties; order: 1, 2, 0, 3
        var logits = LogitsOf(p);
        Assert.Equal(logits[1], logits[2]);
        Assert.Equal([1], KeptIds(new SamplingOptions { TopP = 0.2f }, logits));
        Assert.Equal([1, 2], KeptIds(new SamplingOptions { TopP = 0.5f }, logits));
        Assert.Equal([0, 1, 2], KeptIds(new SamplingOptions { TopP = 0.7f }, logits));
        Assert.Equal([0, 1, 2, 3], KeptIds(new SamplingOptions { TopP = 0.9f }, logits));

        // All equal: the prefix is the lowest ids.
        var flat = new float[10];
        Assert.Equal([0, 1, 2], KeptIds(new SamplingOptions { TopP = 0.25f }, flat));
    }

    [Fact]
    public void MinP_KeepsTokensAtLeastMinPTimesTheTop()
    {
        double[] p = [0.5, 0.25, 0.15, 0.1];
        var logits = LogitsOf(p);
        AssertDistribution(p, Filter(new SamplingOptions { MinP = 0.25f }, logits), 0, 1, 2); // threshold 0.125
        AssertDistribution(p, Filter(new SamplingOptions { MinP = 0.4f }, logits), 0, 1);     // threshold 0.2
        AssertDistribution(p, Filter(new SamplingOptions { MinP = 0.6f }, logits), 0);        // threshold 0.3
        AssertDistribution(p, Filter(new SamplingOptions { MinP = 0.15f }, logits), 0, 1, 2, 3);

        // Equal to the threshold is kept: p = p_max.
        Assert.Equal([0, 1], KeptIds(new SamplingOptions { MinP = 0.99f }, [2f, 2f, 1.9f]));
    }

    [Fact]
    public void MinP_IsAppliedAfterTemperature()
    {
        double[] p = [0.5, 0.25, 0.15, 0.1];
        var logits = LogitsOf(p);
        // T = 2: relative probabilities sqrt(p / p_max) = 1, .707, .548, .447.
        Assert.Equal([0, 1, 2], KeptIds(new SamplingOptions { Temperature = 2f, MinP = 0.5f }, logits));
        // T = 0.5: (p / p_max)^2 = 1, .25, .09, .04.
        Assert.Equal([0, 1], KeptIds(new SamplingOptions { Temperature = 0.5f, MinP = 0.2f }, logits));
    }

    [Fact]
    public void TopP_IsMeasuredOnTheDistributionRenormalisedAfterMinP()
    {
        double[] p = [0.4, 0.3, 0.2, 0.1];
        var logits = LogitsOf(p);
        // Min-p 0.4 leaves {0, 1, 2} = 4/9, 3/9, 2/9; top-p 0.75 then stops at 7/9 with {0, 1}.
        // (On the unfiltered distribution 0.4 + 0.3 < 0.75 would have kept token 2 as well.)
        AssertDistribution(p, Filter(new SamplingOptions { MinP = 0.4f, TopP = 0.75f }, logits), 0, 1);
        Assert.Equal([0, 1, 2], KeptIds(new SamplingOptions { TopP = 0.75f }, logits));
    }

    [Fact]
    public void TopP_IsMeasuredOnTheTopKSet()
    {
        double[] p = [0.35, 0.25, 0.2, 0.1, 0.1];
        var logits = LogitsOf(p);
        // Top-k 2 leaves 0.35/0.6 = .583 and .417; top-p 0.55 keeps only token 0.
        Assert.Equal([0], KeptIds(new SamplingOptions { TopK = 2, TopP = 0.55f }, logits));
        Assert.Equal([0, 1], KeptIds(new SamplingOptions { TopP = 0.55f }, logits));
    }

    /// <summary>
    /// Random logits against a straightforward double-precision reference. "grid" logits take 80 values (many ties),
    /// "continuous" ones are all distinct, "equal" ones are all the same, and "clustered" ones put 99% of the tokens
    /// within 0.001 of each other (so one histogram bucket holds most of the vocabulary).
    /// </summary>
    [Theory]
    [InlineData(40, 0, 0.9f, 0f, 1f, "grid")]
    [InlineData(40, 10, 1f, 0f, 0.8f, "grid")]
    [InlineData(40, 0, 1f, 0.05f, 1.5f, "grid")]
    [InlineData(40, 12, 0.8f, 0.02f, 0.7f, "grid")]
    [InlineData(40, 12, 0.8f, 0.02f, 0.7f, "continuous")]
    [InlineData(3000, 0, 0.97f, 0f, 3f, "grid")]          // nucleus wider than the 256-token window
    [InlineData(20000, 0, 0.99f, 0f, 50f, "grid")]        // histogram search ending in a bucket of equal values
    [InlineData(50000, 0, 0.95f, 0f, 20f, "continuous")]  // histogram search, then a sort of one bucket
    [InlineData(50000, 0, 0.9f, 0f, 1f, "clustered")]     // histogram search over several levels
    [InlineData(20000, 0, 0.3f, 0f, 1f, "equal")]         // ties everywhere: the lowest ids
    [InlineData(20000, 300, 0.6f, 0.001f, 2f, "grid")]
    [InlineData(40, 0, 1f, 0f, 1f, "continuous", 2f)]          // top-nσ alone
    [InlineData(40, 12, 0.9f, 0f, 0.7f, "continuous", 1f)]     // top-k, top-nσ, top-p
    [InlineData(4096, 0, 0.95f, 0.02f, 1f, "continuous", 2f)]
    [InlineData(4096, 40, 0.05f, 0f, 1.3f, "continuous", 0f, 8)] // the fused set: a nucleus of ~2 widened to the floor
    [InlineData(40, 10, 0.3f, 0f, 1f, "continuous", 0f, 5)]
    [InlineData(20000, 0, 0.2f, 0f, 1f, "equal", 0f, 7)]
    public void MatchesAReferenceImplementation(int vocabulary, int topK, float topP, float minP, float temperature, string logitKind,
                                                float topNSigma = 0f, int minKeep = 1)
    {
        var options = new SamplingOptions
        {
            Temperature = temperature, TopK = topK, TopP = topP, MinP = minP, TopNSigma = topNSigma, MinKeep = minKeep, Seed = 1,
        };
        var sampler = new Sampler(options, vocabulary);
        var rng = new Random(vocabulary + topK);
        var logits = new float[vocabulary];
        var trials = vocabulary > 1000 ? 2 : 100;
        for (var trial = 0; trial < trials; trial++)
        {
            for (var i = 0; i < logits.Length; i++)
            {
                logits[i] = logitKind switch
                {
                    "grid" => rng.Next(-40, 40) * 0.25f,
                    "continuous" => (float)(rng.NextDouble() * 20 - 10),
                    "clustered" => i % 100 == 0 ? (float)(rng.NextDouble() * 10) : (float)(5 + rng.NextDouble() * 1e-3),
                    _ => 1.5f,
                };
            }

            var expected = ReferenceFilter(logits, options);
            var actual = sampler.GetFilteredDistribution(logits);
            Assert.Equal(Array.ConvertAll(expected, c => c.TokenId), Array.ConvertAll(actual, c => c.TokenId));
            for (var j = 0; j < expected.Length; j++)
                Assert.Equal(expected[j].Probability, actual[j].Probability, 1e-5);
        }
    }

    /// <summary>The definitions, written plainly: full sorts, double precision.</summary>
    internal static (int TokenId, double Probability)[] ReferenceFilter(float[] logits, SamplingOptions options)
    {
        var ids = new List<int>();
        for (var i = 0; i < logits.Length; i++)
        {
            if (!float.IsNaN(logits[i]) && logits[i] != float.NegativeInfinity)
                ids.Add(i);
        }

        // Descending logit, ties to the lower id.
        ids.Sort((a, b) => logits[a] != logits[b] ? logits[b].CompareTo(logits[a]) : a.CompareTo(b));
        if (options.TopK > 0 && options.TopK < ids.Count)
            ids.RemoveRange(options.TopK, ids.Count - options.TopK);

        var max = logits[ids[0]];
        if (options.TopNSigma > 0 && float.IsFinite(max))
        {
            var mean = 0.0;
            foreach (var id in ids)
                mean += logits[id];
            mean /= ids.Count;
            var variance = 0.0;
            foreach (var id in ids)
                variance += (logits[id] - mean) * (logits[id] - mean);
            var sigma = Math.Sqrt(variance / ids.Count);
            ids.RemoveAll(id => logits[id] < max - options.TopNSigma * sigma);
        }

        var weight = new Dictionary<int, double>();
        foreach (var id in ids)
            weight[id] = Math.Exp((logits[id] - (double)max) / options.Temperature);

        if (options.MinP > 0)
            ids.RemoveAll(id => weight[id] < options.MinP * weight[ids[0]]);

        if (options.TopP < 1)
        {
            var total = 0.0;
            foreach (var id in ids)
                total += weight[id];
            var cumulative = 0.0;
            var keep = 0;
            while (keep < ids.Count)
            {
                cumulative += weight[ids[keep++]] / total;
                if (cumulative >= options.TopP)
                    break;
            }

            keep = Math.Max(keep, Math.Min(options.MinKeep, ids.Count));

            ids.RemoveRange(keep, ids.Count - keep);
        }

        var sum = 0.0;
        foreach (var id in ids)
            sum += weight[id];
        ids.Sort();
        return ids.ConvertAll(id => (id, weight[id] / sum)).ToArray();
    }
}
