using BitNet.Runtime.Sampling;

namespace BitNet.Runtime.Tests.Sampling;

/// <summary>Repetition, frequency and presence penalties: the penalised logits, their window and history, greedy decoding.</summary>
public class SamplerPenaltyTests
{
    /// <summary>
    /// The definitions, written plainly: repetition over the distinct tokens of the last <c>window</c> tokens of
    /// prompt + generated, then frequency and presence over the generated tokens.
    /// </summary>
    internal static float[] ReferencePenalise(float[] logits, SamplingOptions options, int[] prompt, int[] generated)
    {
        var result = (float[])logits.Clone();
        var sequence = prompt.Concat(generated).ToArray();
        var window = sequence.Skip(Math.Max(0, sequence.Length - options.RepetitionPenaltyWindow)).Distinct();
        foreach (var id in window)
            result[id] = result[id] > 0 ? result[id] / options.RepetitionPenalty : result[id] * options.RepetitionPenalty;
        foreach (var group in generated.GroupBy(id => id))
            result[group.Key] -= group.Count() * options.FrequencyPenalty + options.PresencePenalty;
        return result;
    }

    /// <summary>The distribution a sampler with this history draws from (the history recorded without drawing).</summary>
    private static (int TokenId, double Probability)[] Distribution(SamplingOptions options, float[] logits, int[] prompt, int[] generated)
    {
        var sampler = new Sampler(options with { Seed = 1 }, logits.Length);
        sampler.AddPromptTokens(prompt);
        foreach (var id in generated)
            sampler.RecordGenerated(id);
        return sampler.GetFilteredDistribution(logits);
    }

    private static void AssertMatchesReference(SamplingOptions options, float[] logits, int[] prompt, int[] generated)
    {
        var expected = SamplerFilterTests.ReferenceFilter(ReferencePenalise(logits, options, prompt, generated), options);
        var actual = Distribution(options, logits, prompt, generated);
        Assert.Equal(Array.ConvertAll(expected, c => c.TokenId), Array.ConvertAll(actual, c => c.TokenId));
        for (var j = 0; j < expected.Length; j++)
            Assert.Equal(expected[j].Probability, actual[j].Probability, 1e-5);
    }

    [Fact]
    public void Repetition_DividesPositiveLogits_AndMultipliesNegativeOnes_OncePerDistinctToken()
    {
        float[] logits = [2f, -1f, 0.5f, 0f];
        var options = new SamplingOptions { RepetitionPenalty = 2f };
        // Tokens 0 and 1 are in the window (0 twice: penalised once): logits 1, -2, 0.5, 0.
        var p = Distribution(options, logits, prompt: [0, 1, 0], generated: []);
        var weights = new[] { Math.Exp(1), Math.Exp(-2), Math.Exp(0.5), 1.0 };
        for (var i = 0; i < 4; i++)
            Assert.Equal(weights[i] / weights.Sum(), p[i].Probability, 1e-6);
        AssertMatchesReference(options, logits, [0, 1, 0], []);
    }

    [Fact]
    public void Repetition_LooksOnlyAtTheLastWindowTokens_PromptIncluded()
    {
        float[] logits = [3f, 3f, 3f, 3f];
        var options = new SamplingOptions { Temperature = 0f, RepetitionPenalty = 1.5f, RepetitionPenaltyWindow = 2 };
        // Window {2, 3} (the prompt's tail): the argmax is token 0. Window {0, 3}: token 1.
        Assert.Equal([(0, 1.0)], Distribution(options, logits, prompt: [0, 1, 2, 3], generated: []));
        Assert.Equal([(1, 1.0)], Distribution(options, logits, prompt: [2, 0], generated: [3]));
        AssertMatchesReference(options with { Temperature = 1f }, logits, [0, 1, 2, 3], [1]);
        AssertMatchesReference(options with { Temperature = 1f, RepetitionPenaltyWindow = 3 }, logits, [0, 1, 2, 3, 0], [2, 2]);
    }

    [Fact]
    public void FrequencyAndPresence_FollowOpenAI_AndCountOnlyGeneratedTokens()
    {
        float[] logits = [1f, 1f, 1f, 1f, 1f];
        var options = new SamplingOptions { FrequencyPenalty = 0.5f, PresencePenalty = 0.25f };
        // Token 0 generated 3 times: 1 − 1.5 − 0.25 = -0.75; token 2 once: 1 − 0.5 − 0.25 = 0.25; token 4 only in the prompt.
        var p = Distribution(options, logits, prompt: [4, 4, 4], generated: [0, 2, 0, 0]);
        var weights = new[] { Math.Exp(-0.75), Math.E, Math.Exp(0.25), Math.E, Math.E };
        for (var i = 0; i < 5; i++)
            Assert.Equal(weights[i] / weights.Sum(), p[i].Probability, 1e-6);
        AssertMatchesReference(options, logits, [4, 4, 4], [0, 2, 0, 0]);

        // Negative penalties reward repeats.
        AssertMatchesReference(new SamplingOptions { FrequencyPenalty = -0.3f, PresencePenalty = -1f }, logits, [], [1, 1, 3]);
    }

    [Fact]
    public void AllPenaltiesAndFilters_MatchTheReference()
    {
        var rng = new Random(11);
        var logits = new float[300];
        for (var trial = 0; trial < 20; trial++)
        {
            for (var i = 0; i < logits.Length; i++)
                logits[i] = (float)(rng.NextDouble() * 12 - 6);
            var prompt = Enumerable.Range(0, 40).Select(_ => rng.Next(300)).ToArray();
            var generated = Enumerable.Range(0, 30).Select(_ => rng.Next(60)).ToArray();
            var options = new SamplingOptions
            {
                Temperature = 0.8f, TopK = 50, TopNSigma = 2f, TopP = 0.9f, MinP = 0.02f, MinKeep = 3,
                RepetitionPenalty = 1.3f, RepetitionPenaltyWindow = 48, FrequencyPenalty = 0.4f, PresencePenalty = 0.3f,
            };
            AssertMatchesReference(options, logits, prompt, generated);
        }
    }

    [Fact]
    public void Greedy_UsesThePenalisedLogits_AndRecordsItsOwnChoices()
    {
        // Without a penalty greedy repeats token 0 forever.
        float[] logits = [1f, 0.5f, -3f];
        var plain = new Sampler(SamplingOptions.Greedy, 3);
        Assert.All(Enumerable.Range(0, 5), _ => Assert.Equal(0, plain.Sample(logits)));

        // Frequency 1: step 1 picks 0 (1 > 0.5); then 0 is at 0, 1 at 0.5 → 1; then 0 at 0, 1 at -0.5 → 0; ...
        var penalised = new Sampler(SamplingOptions.Greedy with { FrequencyPenalty = 1f }, 3);
        var picks = Enumerable.Range(0, 6).Select(_ => penalised.Sample(logits)).ToArray();
        Assert.Equal([0, 1, 0, 1, 0, 1], picks);

        // Reset forgets the history.
        penalised.Reset();
        Assert.Equal(0, penalised.Sample(logits));
    }

    [Fact]
    public void SeededSamplersWithPenalties_AreReproducible()
    {
        var rng = new Random(3);
        var steps = Enumerable.Range(0, 200).Select(_ =>
            Enumerable.Range(0, 64).Select(_ => (float)(rng.NextDouble() * 8)).ToArray()).ToArray();
        var options = new SamplingOptions { Seed = 42, RepetitionPenalty = 1.2f, FrequencyPenalty = 0.3f, PresencePenalty = 0.2f, TopNSigma = 2f };
        int[] Run()
        {
            var sampler = new Sampler(options, 64);
            sampler.AddPromptTokens([1, 2, 3]);
            return steps.Select(s => sampler.Sample(s)).ToArray();
        }

        var first = Run();
        Assert.Equal(first, Run());
        // The penalties matter here: without them the same seed gives another sequence.
        var unpenalised = new Sampler(options with { RepetitionPenalty = 1f, FrequencyPenalty = 0f, PresencePenalty = 0f }, 64);
        Assert.NotEqual(first, steps.Select(s => unpenalised.Sample(s)).ToArray());
    }

    [Fact]
    public void PromptTokensOutsideTheVocabulary_AreRejected()
    {
        var sampler = new Sampler(new SamplingOptions { RepetitionPenalty = 1.1f }, 8);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => sampler.AddPromptTokens([1, 8]));
        Assert.Contains("Token id 8 is outside the vocabulary [0, 8)", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.AddPromptTokens([-1]));
    }

    [Fact]
    public void TheCallersLogitsAreNotModified()
    {
        float[] logits = [2f, -1f, 0.5f];
        var copy = (float[])logits.Clone();
        var sampler = new Sampler(new SamplingOptions { Seed = 1, RepetitionPenalty = 3f, FrequencyPenalty = 1f }, 3);
        sampler.AddPromptTokens([0, 1, 2]);
        for (var i = 0; i < 10; i++)
            sampler.Sample(logits);
        Assert.Equal(copy, logits);
    }
}
