using BitNet.Runtime.Kernels.Attention;
using BitNet.Runtime.Threading;

namespace BitNet.Runtime.Model;

/// <summary>
/// Causal attention for a batch of prompt tokens whose keys and values are already in the cache: token i (at position
/// p0 + i) attends to positions 0..p0 + i. Work items are (head, token) pairs, head major, split across the pool (each
/// thread then gets whole heads of every token, not the short early or long late half of the batch). Each pair runs
/// exactly what decode runs for its position (<see cref="AttentionJob"/>), so the results are bit-identical.
/// </summary>
internal sealed unsafe class PrefillAttentionJob : ParallelJob
{
    private readonly int _contextLength;
    [ThreadStatic] private static float[]? t_scores;
    [ThreadStatic] private static float[]? t_partials;
    private BitNetConfig _config = null!;
    private KvCache.KvCache _cache = null!;
    private PrefillState _state = null!;
    private int _layer;
    private int _firstPosition;
    private int _tokens;

    private bool _grouped;

    public PrefillAttentionJob(int contextLength) => _contextLength = contextLength;

    public void Run(WorkerPool pool, BitNetConfig config, KvCache.KvCache cache, PrefillState state, int layer, int firstPosition, int count)
    {
        _config = config;
        _cache = cache;
        _state = state;
        _layer = layer;
        _firstPosition = firstPosition;
        _tokens = count;
        _grouped = AttentionJob.CanAttendGroupOfFour(config);
        pool.Run(this, count * (_grouped ? config.KvHeadCount : config.HeadCount));
    }

    public override void Execute(int start, int end)
    {
        if (_cache.Type != KvCache.KvCacheType.F32)
        {
            ExecuteCompact(start, end);
            return;
        }
        if (_grouped)
        {
            ExecuteGrouped(start, end);
            return;
        }
        var c = _config;
        int headDim = c.HeadDimension, kvDim = c.KvDimension, group = c.HeadCount / c.KvHeadCount, d = c.EmbeddingLength;
        var scale = 1f / MathF.Sqrt(headDim);
        // One scores row per worker thread, allocated once per thread for the life of the process.
        var scores = t_scores is { } s && s.Length >= _contextLength ? s : t_scores = new float[_contextLength];
        for (var item = start; item < end; item++)
        {
            int h = item / _tokens, i = item % _tokens;
            var count = _firstPosition + i + 1;
            AttentionJob.AttendHead(_state.Query.AsSpan(i * d + h * headDim, headDim), _cache.Keys(_layer, count), _cache.Values(_layer, count),
                                    count, h / group * headDim, kvDim, scale, scores.AsSpan(0, count), _state.Attention.AsSpan(i * d + h * headDim, headDim));
        }
    }

    /// <summary>
    /// An F32 cache with 128-wide heads in KV groups of four (2B4T): items are (KV head, token) pairs, and the group's
    /// four query heads share every key and value row (<see cref="AttentionJob.AttendGroupOfFour"/>); bit-identical to
    /// <see cref="AttentionJob.AttendHead"/> per head.
    /// </summary>
    /// <remarks>
    /// KV head major: a thread's items run through one KV head's rows token after token, so they stay in its L2 (at 512
    /// positions, 512 KB of keys and values per KV head, against 2.6 MB for all five), and each thread gets whole KV heads
    /// of every token instead of the early (short) or late (long) half of the batch.
    /// </remarks>
    private void ExecuteGrouped(int start, int end)
    {
        var c = _config;
        int headDim = c.HeadDimension, kvDim = c.KvDimension, d = c.EmbeddingLength;
        var scale = 1f / MathF.Sqrt(headDim);
        // Four scores rows per worker thread, allocated once per thread for the life of the process.
        var scores = t_scores is { } s && s.Length >= 4 * _contextLength ? s : t_scores = new float[4 * _contextLength];
        for (var item = start; item < end; item++)
        {
            int g = item / _tokens, i = item % _tokens;
            var count = _firstPosition + i + 1;
            AttentionJob.AttendGroupOfFour(_state.Query.AsSpan(i * d + g * 4 * headDim, 4 * headDim), _cache.Keys(_layer, count), _cache.Values(_layer, count),
                                    count, g * headDim, kvDim, scale, scores, _contextLength, _state.Attention.AsSpan(i * d + g * 4 * headDim, 4 * headDim));
        }
    }

    /// <summary>
    /// A compact cache: every segment's partial for the item, then the same ordered merge as decode. Items are (head,
    /// token) pairs, or (KV head, token) pairs whose four heads run together (<see cref="CompactAttention.SegmentOfFour"/>)
    /// where decode groups them too.
    /// </summary>
    private void ExecuteCompact(int start, int end)
    {
        var c = _config;
        int headDim = c.HeadDimension, group = c.HeadCount / c.KvHeadCount, d = c.EmbeddingLength;
        var stride = CompactAttention.PartialLength(headDim);
        var scale = 1f / MathF.Sqrt(headDim);
        var length = (_grouped ? 4 : 1) * CompactAttention.Segments(_contextLength) * stride;
        // Partials for one pair per worker thread, allocated once per thread for the life of the process.
        var partialsArray = t_partials is { } p && p.Length >= length ? p : t_partials = new float[length];
        var layer = _cache.Layer(_layer);
        fixed (float* partials = partialsArray)
        {
            for (var item = start; item < end; item++)
            {
                if (_grouped)
                {
                    GroupOfFour(item / _tokens, item % _tokens, layer, partials, headDim, d, stride, scale);
                    continue;
                }
                int h = item / _tokens, i = item % _tokens;
                var count = _firstPosition + i + 1;
                var segments = CompactAttention.Segments(count);
                var query = ForwardState.Address(_state.Query) + i * d + h * headDim;
                for (var segment = 0; segment < segments; segment++)
                {
                    var first = segment * CompactAttention.SegmentLength;
                    CompactAttention.Segment(_cache.Type, layer, c.KvHeadCount, h / group, headDim, query, first,
                                             Math.Min(count, first + CompactAttention.SegmentLength), scale, partials + segment * stride, KvRowKernels.DefaultPath);
                }
                CompactAttention.Merge(partials, segments, headDim, ForwardState.Address(_state.Attention) + i * d + h * headDim);
            }
        }
    }

    /// <summary>KV head <paramref name="g"/>'s four query heads for token <paramref name="i"/> on a compact cache.</summary>
    private void GroupOfFour(int g, int i, in KvCache.KvLayerView layer, float* partials, int headDim, int d, int stride, float scale)
    {
        var count = _firstPosition + i + 1;
        var segments = CompactAttention.Segments(count);
        var queries = ForwardState.Address(_state.Query) + i * d + g * 4 * headDim;
        for (var segment = 0; segment < segments; segment++)
        {
            var first = segment * CompactAttention.SegmentLength;
            CompactAttention.SegmentOfFour(_cache.Type, layer, _config.KvHeadCount, g, queries, first, Math.Min(count, first + CompactAttention.SegmentLength),
                                           scale, partials + segment * stride, segments * stride);
        }
        for (var h = 0; h < 4; h++)
            CompactAttention.Merge(partials + h * segments * stride, segments, headDim, ForwardState.Address(_state.Attention) + i * d + (g * 4 + h) * headDim);
    }
}
