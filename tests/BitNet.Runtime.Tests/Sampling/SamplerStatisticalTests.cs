using BitNet.Runtime.Sampling;

namespace BitNet.Runtime.Tests.Sampling;

/// <summary>
/// Sampled frequencies against the intended (filtered, renormalised) distribution, by Pearson's chi-square test.
/// </summary>
/// <remarks>
/// With N = 200,000 draws over k kept tokens the statistic is approximately chi-square with k - 1 degrees of freedom.
/// The bound is its 1 - 1e-4 quantile, so a correct sampler fails for a given seed with probability 1e-4 (and the
/// seeds are fixed, so the outcome is deterministic), while a sampler off by even 1% in one probability pushes the
/// statistic far past it (for p ≈ 0.2 a shift of 0.002 adds about N·0.002²/0.2 = 4 per token, so ~1% of p is
/// borderline, 2% fails). Tokens the filters drop must never be drawn at all.
/// </remarks>
public class SamplerStatisticalTests
{
    private const int Draws = 200_000;

    // 1 - 1e-4 quantiles of chi-square with 1..7 degrees of freedom.
    private static readonly double[] s_chiSquareBound = [double.NaN, 15.137, 18.421, 21.108, 23.513, 25.745, 27.856, 29.878];

    private static readonly double[] s_base = [0.05, 0.1, 0.15, 0.2, 0.22, 0.28];

    [Fact]
    public void PlainTemperature() =>
        // p^(1/0.7), all six tokens.
        AssertFrequencies(new SamplingOptions { Temperature = 0.7f, Seed = 101 }, expectedKept: [0, 1, 2, 3, 4, 5]);

    [Fact]
    public void TopK() =>
        AssertFrequencies(new SamplingOptions { Temperature = 1.2f, TopK = 3, Seed = 202 }, expectedKept: [3, 4, 5]);

    [Fact]
    public void TopP() =>
        // At T = 1: 0.28, 0.50, 0.70 -> the first three most probable tokens reach 0.65.
        AssertFrequencies(new SamplingOptions { TopP = 0.65f, Seed = 303 }, expectedKept: [3, 4, 5]);

    [Fact]
    public void MinP() =>
        // Threshold 0.5 * 0.28 = 0.14: drops 0.05 and 0.1.
        AssertFrequencies(new SamplingOptions { MinP = 0.5f, Seed = 404 }, expectedKept: [2, 3, 4, 5]);

    [Fact]
    public void AllFiltersTogether() =>
        // T = 0.8 gives p^1.25; top-k 5 drops token 0, min-p 0.3 drops token 1 (0.056 < 0.3 * 0.204), and top-p 0.8
        // on the renormalised rest (0.35, 0.61, 0.84, 1) drops token 2.
        AssertFrequencies(new SamplingOptions { Temperature = 0.8f, TopK = 5, MinP = 0.3f, TopP = 0.8f, Seed = 505 },
            expectedKept: [3, 4, 5]);

    [Fact]
    public void TopNSigma() =>
        // Logits ln p: mean -1.932, σ = 0.575; max − 1σ = -1.848 keeps 0.2, 0.22, 0.28 (ln 0.15 = -1.897 is out).
        AssertFrequencies(new SamplingOptions { Temperature = 1.5f, TopNSigma = 1f, Seed = 606 }, expectedKept: [3, 4, 5]);

    [Fact]
    public void FusedTopKTopPWithAFloor() =>
        // Top-5 renormalised: 0.28/0.95 = .295 ≥ 0.2 is a one-token nucleus; MinKeep 3 widens it to 0.28, 0.22, 0.2.
        AssertFrequencies(new SamplingOptions { TopK = 5, TopP = 0.2f, MinKeep = 3, Seed = 707 }, expectedKept: [3, 4, 5]);

    [Fact]
    public void Penalties() =>
        // Token 5 generated twice, 4 once, 0 in the prompt: repetition 1.5 on {0, 4, 5}, then frequency 0.3 and presence 0.2.
        AssertFrequencies(new SamplingOptions { RepetitionPenalty = 1.5f, FrequencyPenalty = 0.3f, PresencePenalty = 0.2f, Seed = 808 },
            expectedKept: [0, 1, 2, 3, 4, 5], prompt: [0], generated: [5, 4, 5]);

    [Fact]
    public void PenaltiesWithFilters() =>
        // After the penalties the order changes: token 5 (twice generated) falls behind 3 and 2, and top-k 3 drops it.
        AssertFrequencies(new SamplingOptions { Temperature = 0.9f, TopK = 3, FrequencyPenalty = 0.6f, PresencePenalty = 0.4f, Seed = 909 },
            expectedKept: [2, 3, 4], prompt: [], generated: [5, 5]);

    /// <param name="prompt">With <paramref name="generated"/>: the history the penalties count. Each draw starts from a
    /// sampler reset to that history (seeded with the draw's index), since a draw is itself recorded.</param>
    private static void AssertFrequencies(SamplingOptions options, int[] expectedKept, int[]? prompt = null, int[]? generated = null)
    {
        var logits = Array.ConvertAll(s_base, p => (float)Math.Log(p));
        var history = prompt is not null || generated is not null;
        var penalised = history ? SamplerPenaltyTests.ReferencePenalise(logits, options, prompt ?? [], generated ?? []) : logits;
        var intended = SamplerFilterTests.ReferenceFilter(penalised, options);
        Assert.Equal(expectedKept, Array.ConvertAll(intended, c => c.TokenId));

        var sampler = new Sampler(options, logits.Length);
        var counts = new int[logits.Length];
        for (var i = 0; i < Draws; i++)
        {
            if (history)
            {
                sampler.Reset(options.Seed!.Value + (ulong)i);
                sampler.AddPromptTokens(prompt ?? []);
                foreach (var id in generated ?? [])
                    sampler.RecordGenerated(id);
            }

            counts[sampler.Sample(logits)]++;
        }

        var chiSquare = 0.0;
        var drawnFromKept = 0;
        foreach (var (id, probability) in intended)
        {
            var expected = Draws * probability;
            chiSquare += (counts[id] - expected) * (counts[id] - expected) / expected;
            drawnFromKept += counts[id];
        }

        Assert.Equal(Draws, drawnFromKept); // nothing outside the kept set
        var bound = s_chiSquareBound[intended.Length - 1];
        Assert.True(chiSquare < bound,
            $"chi-square {chiSquare:F2} with {intended.Length - 1} degrees of freedom exceeds {bound}; counts: {string.Join(", ", counts)}");
    }
}
