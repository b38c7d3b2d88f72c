using BenchmarkDotNet.Attributes;
using BitNet.Runtime.Kernels.Attention;
using BitNet.Runtime.KvCache;
using BitNet.Runtime.Model;

namespace BitNet.Benchmarks;

/// <summary>
/// Attention of one KV group (four 128-wide query heads, as in 2B4T) over a layer's cached positions, one thread: the
/// F32 cache four heads at once (<see cref="AttentionJob.AttendGroupOfFour"/>, what prefill and decode run), one head
/// at a time (<see cref="AttentionJob.AttendHead"/>, four calls), and an F16 cache's segment kernels: four heads at once
/// (<see cref="CompactAttention.SegmentOfFour"/>, what 2B4T runs) and one at a time (four calls, what other layouts run).
/// The five KV heads' rows are cycled, as a layer's are; divide by 4 × Positions for a time per position and head.
/// </summary>
[MemoryDiagnoser]
public unsafe class AttentionBenchmarks
{
    private const int HeadDim = 128, KvHeads = 5, KvDim = KvHeads * HeadDim;
    private KvCache _f32 = null!;
    private KvCache _f16 = null!;
    private float[] _queries = [];
    private float[] _scores = [];
    private float[] _outputs = [];
    private float[] _partials = [];
    private int _group;

    /// <summary>Cached positions attended to.</summary>
    [Params(256, 2048)]
    public int Positions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _f32 = new KvCache(1, Positions, KvDim);
        _f16 = new KvCache(1, Positions, KvDim, HeadDim, KvCacheType.F16);
        var key = new float[KvDim];
        var value = new float[KvDim];
        for (var p = 0; p < Positions; p++)
        {
            for (var i = 0; i < KvDim; i++)
            {
                key[i] = (float)(random.NextDouble() * 2 - 1);
                value[i] = (float)(random.NextDouble() * 2 - 1);
            }
            _f32.Store(0, p, key, value);
            _f16.Store(0, p, key, value);
        }
        _queries = GC.AllocateArray<float>(4 * HeadDim, pinned: true);
        for (var i = 0; i < _queries.Length; i++) _queries[i] = (float)(random.NextDouble() * 2 - 1);
        _scores = new float[4 * Positions];
        _outputs = GC.AllocateArray<float>(4 * HeadDim, pinned: true);
        _partials = GC.AllocateArray<float>(4 * CompactAttention.PartialLength(HeadDim), pinned: true);
    }

    private int NextGroup() => _group = (_group + 1) % KvHeads;

    [Benchmark(Baseline = true)]
    public void F32GroupOfFour() =>
        AttentionJob.AttendGroupOfFour(_queries, _f32.Keys(0, Positions), _f32.Values(0, Positions), Positions, NextGroup() * HeadDim, KvDim,
                                       1f / MathF.Sqrt(HeadDim), _scores, Positions, _outputs);

    [Benchmark]
    public void F32FourSingleHeads()
    {
        var g = NextGroup();
        for (var h = 0; h < 4; h++)
            AttentionJob.AttendHead(_queries.AsSpan(h * HeadDim, HeadDim), _f32.Keys(0, Positions), _f32.Values(0, Positions), Positions, g * HeadDim,
                                    KvDim, 1f / MathF.Sqrt(HeadDim), _scores.AsSpan(0, Positions), _outputs.AsSpan(h * HeadDim, HeadDim));
    }

    [Benchmark]
    public void F16GroupOfFour()
    {
        var g = NextGroup();
        var layer = _f16.Layer(0);
        fixed (float* q = _queries, partials = _partials)
            CompactAttention.SegmentOfFour(KvCacheType.F16, layer, KvHeads, g, q, 0, Positions, 1f / MathF.Sqrt(HeadDim), partials,
                                           CompactAttention.PartialLength(HeadDim));
    }

    [Benchmark]
    public void F16FourSingleHeads()
    {
        var g = NextGroup();
        var layer = _f16.Layer(0);
        fixed (float* q = _queries, partial = _partials)
            for (var h = 0; h < 4; h++)
                CompactAttention.Segment(KvCacheType.F16, layer, KvHeads, g, HeadDim, q + h * HeadDim, 0, Positions, 1f / MathF.Sqrt(HeadDim), partial,
                                         KvRowKernels.DefaultPath);
    }
}
