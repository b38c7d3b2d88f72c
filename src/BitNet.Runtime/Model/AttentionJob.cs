using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using BitNet.Runtime.Threading;

namespace BitNet.Runtime.Model;

/// <summary>
/// Causal attention of one new query over the cached positions, split across query heads: for each head, scores
/// q·k / √d over positions 0..p, softmax, and the weighted sum of values (GQA: head h reads KV head h / group).
/// </summary>
internal sealed class AttentionJob : ParallelJob
{
    private BitNetConfig _config = null!;
    private KvCache.KvCache _cache = null!;
    private ForwardState _state = null!;
    private int _layer;
    private int _count;
    private float _scale;

    public void Run(WorkerPool pool, BitNetConfig config, KvCache.KvCache cache, ForwardState state, int layer, int position)
    {
        _config = config;
        _cache = cache;
        _state = state;
        _layer = layer;
        _count = position + 1;
        _scale = 1f / MathF.Sqrt(config.HeadDimension);
        // Below ~32k multiply-adds a hand-off costs more than it saves.
        var work = (long)config.HeadCount * _count * config.HeadDimension * 2;
        if (work < 1 << 15) Execute(0, config.HeadCount);
        else pool.Run(this, config.HeadCount);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Execute(int start, int end)
    {
        var c = _config;
        int headDim = c.HeadDimension, kvDim = c.KvDimension, group = c.HeadCount / c.KvHeadCount;
        var keys = _cache.Keys(_layer, _count);
        var values = _cache.Values(_layer, _count);
        for (var h = start; h < end; h++)
        {
            var kvOffset = h / group * headDim;
            AttendHead(_state.Query.AsSpan(h * headDim, headDim), keys, values, _count, kvOffset, kvDim, _scale,
                       _state.Scores.AsSpan(h * _cache.Capacity, _count), _state.Attention.AsSpan(h * headDim, headDim));
        }
    }

    /// <summary>
    /// One query head over <paramref name="count"/> cached positions: scores q·k · scale, softmax, Σ p·v into
    /// <paramref name="output"/>. Shared by the decode and prefill paths so both compute bit-identical attention.
    /// </summary>
    internal static void AttendHead(ReadOnlySpan<float> q, ReadOnlySpan<float> keys, ReadOnlySpan<float> values, int count,
                                    int kvOffset, int kvDim, float scale, Span<float> scores, Span<float> output)
    {
        var headDim = q.Length;
        for (var t = 0; t < count; t++)
            scores[t] = TensorPrimitives.Dot(q, keys.Slice(t * kvDim + kvOffset, headDim)) * scale;

        // Softmax with the maximum subtracted first, so exp never overflows.
        var max = TensorPrimitives.Max(scores);
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp(scores, scores);
        TensorPrimitives.Divide(scores, TensorPrimitives.Sum(scores), scores);

        output.Clear();
        for (var t = 0; t < count; t++)
            TensorPrimitives.MultiplyAdd(values.Slice(t * kvDim + kvOffset, headDim), scores[t], output, output);
    }
}
