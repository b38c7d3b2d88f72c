using BitNet.Runtime.Sampling;

namespace BitNet.Runtime.Tests.Sampling;

public class SamplerGreedyTests
{
    private const float NaN = float.NaN;
    private const float NegInf = float.NegativeInfinity;
    private const float PosInf = float.PositiveInfinity;

    private static int Greedy(params float[] logits) => new Sampler(SamplingOptions.Greedy, logits.Length).Sample(logits);

    [Fact]
    public void PicksTheArgmax()
    {
        Assert.Equal(2, Greedy(0.5f, -1f, 3f, 2.9f));
        Assert.Equal(0, Greedy(7f));
        Assert.Equal(3, Greedy(-5f, -4f, -3f, -2f));
    }

    [Fact]
    public void Ties_GoToTheLowestId()
    {
        Assert.Equal(1, Greedy(0f, 4f, 4f, 4f, 1f));
        Assert.Equal(0, Greedy(2f, 2f));
        Assert.Equal(1, Greedy(-1f, -0f, 0f)); // -0 == +0
    }

    [Fact]
    public void NaN_IsNeverChosen()
    {
        Assert.Equal(2, Greedy(NaN, 1f, 5f, NaN));
        Assert.Equal(3, Greedy(NaN, NaN, NaN, -100f));
        Assert.Equal(1, Greedy(NaN, 0f, NegInf));
    }

    [Fact]
    public void NegativeInfinity_IsChosenOnlyOverNothing_AndPositiveInfinityWins()
    {
        Assert.Equal(2, Greedy(NegInf, NegInf, -1e30f));
        Assert.Equal(1, Greedy(3f, PosInf, PosInf, NaN));
    }

    [Theory]
    [InlineData(new[] { NegInf, NegInf })]
    [InlineData(new[] { NaN })]
    [InlineData(new[] { NaN, NegInf, NaN })]
    public void NoUsableLogit_Throws(float[] logits)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Greedy(logits));
        Assert.Contains("NaN or negative infinity", ex.Message, StringComparison.Ordinal);

        // The sampling path reports the same.
        var sampler = new Sampler(new SamplingOptions { Seed = 1, TopK = 1 }, logits.Length);
        Assert.Throws<InvalidOperationException>(() => sampler.Sample(logits));
        var plain = new Sampler(new SamplingOptions { Seed = 1 }, logits.Length);
        Assert.Throws<InvalidOperationException>(() => plain.Sample(logits));
    }

    [Fact]
    public void Greedy_IgnoresTheOtherOptions()
    {
        var options = new SamplingOptions { Temperature = 0f, TopK = 2, TopP = 0.1f, MinP = 0.9f, Seed = 3 };
        var sampler = new Sampler(options, 5);
        float[] logits = [1f, 2f, 9f, 3f, 9f];
        for (var i = 0; i < 10; i++)
            Assert.Equal(2, sampler.Sample(logits));
        Assert.Equal([(2, 1.0)], sampler.GetFilteredDistribution(logits));
    }

    [Fact]
    public void LargeVocabulary_MatchesAScalarArgmax()
    {
        var rng = new Random(5);
        var logits = new float[128_256];
        for (var trial = 0; trial < 5; trial++)
        {
            for (var i = 0; i < logits.Length; i++)
                logits[i] = (float)(rng.NextDouble() * 20 - 10);
            var expected = 0;
            for (var i = 1; i < logits.Length; i++)
            {
                if (logits[i] > logits[expected])
                    expected = i;
            }

            if (trial == 1)
                logits[expected / 2] = NaN; // NaN anywhere: the fallback path
            if (trial == 2)
                logits[logits.Length - 1] = logits[expected]; // a later tie

            Assert.Equal(expected, Greedy(logits));
        }
    }

    [Fact]
    public void TopKOne_IsGreedy_AtAnyTemperature()
    {
        var rng = new Random(11);
        var logits = new float[50];
        foreach (var temperature in new[] { 1e-3f, 0.3f, 1f, 2.5f, 1000f })
        {
            var sampler = new Sampler(new SamplingOptions { Temperature = temperature, TopK = 1, Seed = 99 }, logits.Length);
            for (var trial = 0; trial < 200; trial++)
            {
                // Coarse values so that ties are common.
                for (var i = 0; i < logits.Length; i++)
                    logits[i] = rng.Next(-8, 8) * 0.5f;
                if (trial % 7 == 0)
                    logits[rng.Next(logits.Length)] = NaN;
                Assert.Equal(Sampler.ArgMax(logits), sampler.Sample(logits));
            }
        }
    }
}
