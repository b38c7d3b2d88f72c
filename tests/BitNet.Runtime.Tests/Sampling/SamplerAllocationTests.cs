using BitNet.Runtime.Sampling;

namespace BitNet.Runtime.Tests.Sampling;

/// <summary>After construction and one warm-up call, <see cref="Sampler.Sample"/> allocates nothing.</summary>
/// <remarks>
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> is exact only while no other thread forces heavy collections:
/// with gen2 collections running elsewhere it occasionally reports one allocation quantum (~4-8 KB) for a loop of
/// pure arithmetic (dotnet/coreclr#10207). So these tests run alone (no parallel test allocating), and a window is
/// measured up to three times: a real per-call allocation shows in every window (at least one object per call),
/// the artefact does not.
/// </remarks>
[Collection(nameof(SamplerAllocationTests))]
public class SamplerAllocationTests
{
    public static TheoryData<string, int, int> Cases() => new()
    {
        { "greedy", 4096, 10_000 },
        { "plain", 4096, 10_000 },
        { "all filters", 4096, 10_000 },
        { "top-k 40, top-p 0.9", 128_256, 2_000 }, // 10,000 on this vocabulary adds ~2 s to a Debug run for no extra coverage
        { "top-p 0.9 without top-k", 128_256, 200 },
        { "flat top-p: histogram search", 128_256, 20 },
        { "penalties", 4096, 10_000 },
        { "greedy with penalties", 4096, 10_000 },
        { "adaptive: top-k, top-n-sigma, top-p floor, penalties", 4096, 10_000 },
        { "top-n-sigma, penalties", 128_256, 200 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sample_AllocatesNothing(string name, int vocabulary, int calls)
    {
        var options = name switch
        {
            "greedy" => SamplingOptions.Greedy,
            "plain" => new SamplingOptions { Temperature = 0.8f, Seed = 1 },
            "all filters" => new SamplingOptions { Temperature = 0.8f, TopK = 50, TopP = 0.9f, MinP = 0.05f, Seed = 1 },
            "top-k 40, top-p 0.9" => new SamplingOptions { Temperature = 0.8f, TopK = 40, TopP = 0.9f, Seed = 1 },
            "top-p 0.9 without top-k" => new SamplingOptions { Temperature = 0.8f, TopP = 0.9f, Seed = 1 },
            "penalties" => new SamplingOptions { Temperature = 0.8f, RepetitionPenalty = 1.2f, FrequencyPenalty = 0.5f, PresencePenalty = 0.5f, Seed = 1 },
            "greedy with penalties" => SamplingOptions.Greedy with { RepetitionPenalty = 1.2f, FrequencyPenalty = 0.5f },
            "adaptive: top-k, top-n-sigma, top-p floor, penalties" => new SamplingOptions
            {
                Temperature = 0.8f, TopK = 40, TopNSigma = 2f, TopP = 0.9f, MinKeep = 5, MinP = 0.02f,
                RepetitionPenalty = 1.1f, FrequencyPenalty = 0.2f, PresencePenalty = 0.2f, Seed = 1,
            },
            "top-n-sigma, penalties" => new SamplingOptions { Temperature = 0.8f, TopNSigma = 2f, RepetitionPenalty = 1.1f, PresencePenalty = 0.3f, Seed = 1 },
            _ => new SamplingOptions { Temperature = 100f, TopP = 0.9f, Seed = 1 },
        };

        // Roughly the spread of real logits: a few clear favourites over a broad tail.
        var rng = new Xoshiro256StarStar(3);
        var logits = new float[vocabulary];
        for (var i = 0; i < logits.Length; i++)
            logits[i] = (float)(rng.NextDouble() * 10 - 5);
        for (var i = 0; i < 20; i++)
            logits[(int)(rng.NextUInt64() % (ulong)vocabulary)] = 12f + i * 0.1f;

        var sampler = new Sampler(options, vocabulary);
        sampler.AddPromptTokens([1, 2, 3, 2, 1]);
        var sink = sampler.Sample(logits); // warm-up: first-call JIT and static initialisation

        var allocated = long.MaxValue;
        for (var attempt = 0; attempt < 3 && allocated != 0; attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < calls; i++)
                sink ^= sampler.Sample(logits);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.True(allocated == 0, $"{name}: {allocated} bytes allocated over {calls} calls (sink {sink})");
    }
}

/// <summary>Runs the allocation tests with no other test in parallel.</summary>
[CollectionDefinition(nameof(SamplerAllocationTests), DisableParallelization = true)]
public sealed class SamplerAllocationCollection;
