using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using BitNet.Runtime;
using BitNet.Runtime.Model;

namespace BitNet.Benchmarks;

/// <summary>
/// Time to the first token of a conversation's second turn: the history (first prompt and answer) plus a new message,
/// evaluated from scratch (Cold) or on the session that still holds the history (Reused: only the new message is
/// prefilled). Both end with the argmax of the next-token logits.
/// </summary>
/// <remarks>
/// <c>BITNET_BENCH_MODEL</c> selects a GGUF (default: the shipped model); <c>BITNET_BENCH_HISTORY</c> and
/// <c>BITNET_BENCH_NEW</c> the token counts (default 192 and 16). Token ids are seeded random, as in <c>bitnet bench</c>.
/// Run: <c>dotnet run -c Release --project benchmarks/BitNet.Benchmarks -- --filter '*PrefixReuse*'</c>.
/// </remarks>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 15)]
[MinColumn, MedianColumn]
public class PrefixReuseBenchmarks
{
    private BitNetModel _model = null!;
    private InferenceSession _session = null!;
    private int[] _secondTurn = null!;
    private int _history;

    [GlobalSetup]
    public void Setup()
    {
        _model = BitNetModel.Load(new BitNetModelOptions { ModelPath = Environment.GetEnvironmentVariable("BITNET_BENCH_MODEL") });
        _history = int.TryParse(Environment.GetEnvironmentVariable("BITNET_BENCH_HISTORY"), out var h) ? h : 192;
        var added = int.TryParse(Environment.GetEnvironmentVariable("BITNET_BENCH_NEW"), out var n) ? n : 16;
        var random = new Random(7);
        _secondTurn = [1, .. Enumerable.Range(0, _history + added - 1).Select(_ => random.Next(3, _model.Config.VocabularySize))];
        _session = _model.CreateSession();
        _session.Prefill(_secondTurn.AsSpan(0, _history)); // the first turn: its prompt and answer are in the cache
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _model.Dispose();
    }

    [Benchmark(Baseline = true, Description = "second turn, cold: prefill history + new")]
    public int Cold()
    {
        _session.Rewind(0);
        return Argmax(_session.Prefill(_secondTurn));
    }

    [Benchmark(Description = "second turn, reused: prefill new only")]
    public int Reused()
    {
        // Back to the state after the first turn (positions below _history are untouched by either benchmark).
        _session.Rewind(Math.Min(_session.Position, _history));
        if (_session.Position < _history) _session.Prefill(_secondTurn.AsSpan(_session.Position, _history - _session.Position));
        _session.PrefillReusingPrefix(_secondTurn);
        return Argmax(_session.Logits);
    }

    private static int Argmax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
