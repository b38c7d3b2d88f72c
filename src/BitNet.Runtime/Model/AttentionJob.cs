using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using BitNet.Runtime.Kernels.Attention;
using BitNet.Runtime.Threading;

namespace BitNet.Runtime.Model;

/// <summary>
/// Causal attention of one new query over the cached positions, split across query heads: for each head, scores
/// q·k / √d over positions 0..p, softmax, and the weighted sum of values (GQA: head h reads KV head h / group).
/// An F32 cache takes the original full-row softmax (kept bit-exact; with 128-wide heads in groups of four, as 2B4T
/// has, split across KV heads so that the group's four heads share each row's load); a compact cache is read directly
/// by <see cref="CompactAttention"/>, split into (KV head, segment) items — a KV head's query heads run together so its
/// codes are fetched once (and, in groups of four, widened once) — and each head's segment partials are merged
/// afterwards.
/// </summary>
internal sealed unsafe class AttentionJob : ParallelJob
{
    private readonly float[] _partials;
    private BitNetConfig _config = null!;
    private KvCache.KvCache _cache = null!;
    private ForwardState _state = null!;
    private int _layer;
    private int _count;
    private float _scale;
    private int _segments;
    private bool _grouped;

    public AttentionJob(BitNetConfig config, int contextLength) =>
        _partials = GC.AllocateArray<float>(config.HeadCount * CompactAttention.Segments(contextLength) * CompactAttention.PartialLength(config.HeadDimension), pinned: true);

    public void Run(WorkerPool pool, BitNetConfig config, KvCache.KvCache cache, ForwardState state, int layer, int position)
    {
        _config = config;
        _cache = cache;
        _state = state;
        _layer = layer;
        _count = position + 1;
        _scale = 1f / MathF.Sqrt(config.HeadDimension);
        _segments = CompactAttention.Segments(_count);
        _grouped = CanAttendGroupOfFour(config);
        var items = cache.Type != KvCache.KvCacheType.F32 ? config.KvHeadCount * _segments : _grouped ? config.KvHeadCount : config.HeadCount;
        // Below ~32k multiply-adds a hand-off costs more than it saves.
        var work = (long)config.HeadCount * _count * config.HeadDimension * 2;
        if (work < 1 << 15) Execute(0, items);
        else pool.Run(this, items);
        if (cache.Type == KvCache.KvCacheType.F32) return;

        var stride = CompactAttention.PartialLength(config.HeadDimension);
        fixed (float* partials = _partials)
            for (var h = 0; h < config.HeadCount; h++)
                CompactAttention.Merge(partials + h * _segments * stride, _segments, config.HeadDimension,
                                       ForwardState.Address(state.Attention) + h * config.HeadDimension);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Execute(int start, int end)
    {
        if (_cache.Type != KvCache.KvCacheType.F32)
        {
            ExecuteCompact(start, end);
            return;
        }
        var c = _config;
        int headDim = c.HeadDimension, kvDim = c.KvDimension, group = c.HeadCount / c.KvHeadCount;
        var keys = _cache.Keys(_layer, _count);
        var values = _cache.Values(_layer, _count);
        if (_grouped)
        {
            // Items are KV heads: each key and value row is read once for its four query heads, not four times (at long
            // contexts a layer's F32 rows outgrow the caches, and decode waited on reading them again per head).
            for (var g = start; g < end; g++)
                AttendGroupOfFour(_state.Query.AsSpan(g * 4 * headDim, 4 * headDim), keys, values, _count, g * headDim, kvDim, _scale,
                                  _state.Scores.AsSpan(g * 4 * _cache.Capacity), _cache.Capacity, _state.Attention.AsSpan(g * 4 * headDim, 4 * headDim));
            return;
        }
        for (var h = start; h < end; h++)
        {
            var kvOffset = h / group * headDim;
            AttendHead(_state.Query.AsSpan(h * headDim, headDim), keys, values, _count, kvOffset, kvDim, _scale,
                       _state.Scores.AsSpan(h * _cache.Capacity, _count), _state.Attention.AsSpan(h * headDim, headDim));
        }
    }

    /// <summary>Items are (KV head, segment) pairs; each computes the segment's partial for every query head of the group.</summary>
    private void ExecuteCompact(int start, int end)
    {
        var c = _config;
        int headDim = c.HeadDimension, group = c.HeadCount / c.KvHeadCount, stride = CompactAttention.PartialLength(headDim);
        var layer = _cache.Layer(_layer);
        var query = ForwardState.Address(_state.Query);
        fixed (float* partials = _partials)
        {
            for (var item = start; item < end; item++)
            {
                int kvHead = item / _segments, segment = item % _segments;
                int first = segment * CompactAttention.SegmentLength, last = Math.Min(_count, first + CompactAttention.SegmentLength);
                if (_grouped)
                {
                    CompactAttention.SegmentOfFour(_cache.Type, layer, c.KvHeadCount, kvHead, query + kvHead * 4 * headDim, first, last, _scale,
                                                   partials + (kvHead * 4 * _segments + segment) * stride, _segments * stride);
                    continue;
                }
                for (var h = kvHead * group; h < (kvHead + 1) * group; h++)
                    CompactAttention.Segment(_cache.Type, layer, c.KvHeadCount, kvHead, headDim, query + h * headDim, first, last, _scale,
                                             partials + (h * _segments + segment) * stride, KvRowKernels.DefaultPath);
            }
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
        var fast = F32HeadAttention.IsSupported(headDim);
        if (fast)
        {
            // The checks the span slices below would make, once.
            if ((long)(count - 1) * kvDim + kvOffset + headDim > Math.Min(keys.Length, values.Length) || scores.Length < count || output.Length < headDim)
                throw new ArgumentException($"Attention over {count} positions does not fit the cache rows or the score buffer.");
            fixed (float* qp = q, kp = keys, sp = scores)
                F32HeadAttention.Scores(qp, kp + kvOffset, count, kvDim, scale, sp);
        }
        else
        {
            for (var t = 0; t < count; t++)
                scores[t] = TensorPrimitives.Dot(q, keys.Slice(t * kvDim + kvOffset, headDim)) * scale;
        }

        Softmax(scores);

        if (fast)
        {
            fixed (float* vp = values, sp = scores, op = output)
                F32HeadAttention.WeightedSum(vp + kvOffset, count, kvDim, sp, op);
            return;
        }
        output.Clear();
        for (var t = 0; t < count; t++)
            TensorPrimitives.MultiplyAdd(values.Slice(t * kvDim + kvOffset, headDim), scores[t], output, output);
    }

    /// <summary>Softmax in place, with the maximum subtracted first so that exp never overflows.</summary>
    private static void Softmax(Span<float> scores)
    {
        var max = TensorPrimitives.Max(scores);
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp(scores, scores);
        TensorPrimitives.Divide(scores, TensorPrimitives.Sum(scores), scores);
    }

    /// <summary>
    /// Whether <see cref="AttendGroupOfFour"/> (F32 cache) and <see cref="CompactAttention.SegmentOfFour"/> (compact caches)
    /// serve this model: four query heads per KV head, 128 wide, on AVX-512.
    /// </summary>
    internal static bool CanAttendGroupOfFour(BitNetConfig config) =>
        config.HeadCount == 4 * config.KvHeadCount && F32HeadAttention.IsSupported(config.HeadDimension);

    /// <summary>
    /// The four query heads of one KV group (<paramref name="queries"/>: 4 × 128 floats) over <paramref name="count"/>
    /// cached positions, each exactly as <see cref="AttendHead"/> computes it, but with every key and value row read once
    /// for the group (a layer's cache soon outgrows L2: prompt prefill, long contexts). Scores go to four rows of
    /// <paramref name="scores"/>, <paramref name="scoreStride"/> apart; the outputs to four consecutive heads.
    /// </summary>
    internal static void AttendGroupOfFour(ReadOnlySpan<float> queries, ReadOnlySpan<float> keys, ReadOnlySpan<float> values, int count,
                                           int kvOffset, int kvDim, float scale, Span<float> scores, int scoreStride, Span<float> outputs)
    {
        const int headDim = F32HeadAttention.HeadDimension;
        if (queries.Length < 4 * headDim || outputs.Length < 4 * headDim || scoreStride < count || scores.Length < 3L * scoreStride + count ||
            (long)(count - 1) * kvDim + kvOffset + headDim > Math.Min(keys.Length, values.Length))
            throw new ArgumentException($"Attention of four heads over {count} positions does not fit the cache rows, the score rows or the outputs.");
        fixed (float* q = queries, k = keys, v = values, s = scores, o = outputs)
        {
            F32HeadAttention.ScoresOfFour(q, q + headDim, q + 2 * headDim, q + 3 * headDim, k + kvOffset, count, kvDim, scale,
                                          s, s + scoreStride, s + 2 * scoreStride, s + 3 * scoreStride);
            for (var h = 0; h < 4; h++) Softmax(scores.Slice(h * scoreStride, count));
            F32HeadAttention.WeightedSumOfTwo(v + kvOffset, count, kvDim, s, s + scoreStride, o, o + headDim);
            F32HeadAttention.WeightedSumOfTwo(v + kvOffset, count, kvDim, s + 2 * scoreStride, s + 3 * scoreStride, o + 2 * headDim, o + 3 * headDim);
        }
    }
}
