using BenchmarkDotNet.Attributes;
using BitNet.Runtime.Sampling;

namespace BitNet.Benchmarks;

/// <summary>
/// One <see cref="Sampler.Sample"/> call per setting: the per-token cost of the filters and penalties, on logits shaped
/// like a model's (a broad normal tail and a few clear favourites), with a 64-token history for the penalties.
/// </summary>
[MemoryDiagnoser]
public class SamplerBenchmarks
{
    private float[] _logits = [];
    private Sampler _sampler = null!;

    [Params(4096, 128256)]
    public int Vocabulary { get; set; }

    [Params("greedy", "T=0.8 top-p 0.9", "adaptive", "adaptive + frequency/presence")]
    public string Setting { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _logits = new float[Vocabulary];
        for (var i = 0; i < _logits.Length; i++)
        {
            // Box-Muller: standard normal logits with σ 2, then a handful of favourites well above them.
            var u = 1 - random.NextDouble();
            _logits[i] = (float)(2 * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
        for (var i = 0; i < 8; i++) _logits[random.Next(Vocabulary)] = 9f + i * 0.3f;

        var options = Setting switch
        {
            "greedy" => SamplingOptions.Greedy,
            "T=0.8 top-p 0.9" => new SamplingOptions { Temperature = 0.8f, TopP = 0.9f, Seed = 1 },
            "adaptive" => SamplingOptions.Adaptive with { Seed = 1 },
            _ => SamplingOptions.Adaptive with { Seed = 1, FrequencyPenalty = 0.3f, PresencePenalty = 0.3f },
        };
        _sampler = new Sampler(options, Vocabulary);
        var history = new int[64];
        for (var i = 0; i < history.Length; i++) history[i] = random.Next(Vocabulary);
        _sampler.AddPromptTokens(history);
    }

    [Benchmark(Description = "Sample")]
    public int Sample() => _sampler.Sample(_logits);
}
