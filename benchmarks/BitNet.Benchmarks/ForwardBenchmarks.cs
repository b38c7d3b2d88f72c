using BenchmarkDotNet.Attributes;
using BitNet.Runtime;
using BitNet.Runtime.Model;

namespace BitNet.Benchmarks;

/// <summary>One decode step of the shipped TinyStories model (reference path).</summary>
[MemoryDiagnoser]
public class ForwardBenchmarks
{
    private BitNetModel _model = null!;
    private InferenceSession _session = null!;

    [Params(ActivationQuantization.None, ActivationQuantization.Int8PerToken, ActivationQuantization.Int8PerBlock)]
    public ActivationQuantization ActivationQuantization { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = BitNetModel.Load(new BitNetModelOptions { ActivationQuantization = ActivationQuantization });
        _session = _model.CreateSession();
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark(Description = "decode one token at position 0-127")]
    public float DecodeStep()
    {
        if (_session.Position >= 128) _session.Rewind();
        return _session.Decode(412)[0];
    }
}
