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
    [ThreadStatic] private static float[]? t_widened;

    // Compact caches, grouped: tokens that share each widening of a segment's rows.
    private const int TokensPerChunk = 16;
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
        var items = !_grouped ? count * config.HeadCount
            : cache.Type == KvCache.KvCacheType.F32 ? count * config.KvHeadCount
            : (count + TokensPerChunk - 1) / TokensPerChunk * config.KvHeadCount;
        pool.Run(this, items);
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
        if (_grouped)
        {
            ExecuteCompactGrouped(start, end);
            return;
        }
        var c = _config;
        int headDim = c.HeadDimension, group = c.HeadCount / c.KvHeadCount, d = c.EmbeddingLength;
        var stride = CompactAttention.PartialLength(headDim);
        var scale = 1f / MathF.Sqrt(headDim);
        var length = CompactAttention.Segments(_contextLength) * stride;
        // Partials for one pair per worker thread, allocated once per thread for the life of the process.
        var partialsArray = t_partials is { } p && p.Length >= length ? p : t_partials = new float[length];
        var layer = _cache.Layer(_layer);
        fixed (float* partials = partialsArray)
        {
            for (var item = start; item < end; item++)
            {
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

    /// <summary>
    /// A compact cache with heads in groups of four: items are (KV head, chunk of <see cref="TokensPerChunk"/> tokens).
    /// Each segment's rows are widened once for the chunk (<see cref="CompactAttention.WidenRows"/>), then every token that
    /// reaches the segment takes its four heads' partials from them, and each head's partials are merged as decode merges
    /// them. Decode widens block by block, but the blocks and every operation on them are the same: bit-identical.
    /// </summary>
    private void ExecuteCompactGrouped(int start, int end)
    {
        var c = _config;
        const int headDim = F32HeadAttention.HeadDimension;
        int d = c.EmbeddingLength, stride = CompactAttention.PartialLength(headDim), chunks = (_tokens + TokensPerChunk - 1) / TokensPerChunk;
        var scale = 1f / MathF.Sqrt(headDim);
        var maxSegments = CompactAttention.Segments(_contextLength);
        // Per worker thread, allocated once for the life of the process: a chunk's partials (token × head × segment),
        // and one segment's key and value rows widened.
        var length = TokensPerChunk * 4 * maxSegments * stride;
        var partialsArray = t_partials is { } p && p.Length >= length ? p : t_partials = new float[length];
        var widenedArray = t_widened ??= new float[2 * CompactAttention.SegmentLength * headDim];
        var layer = _cache.Layer(_layer);
        fixed (float* partials = partialsArray, keyRows = widenedArray)
        {
            var valueRows = keyRows + CompactAttention.SegmentLength * headDim;
            for (var item = start; item < end; item++)
            {
                int g = item / chunks, firstToken = item % chunks * TokensPerChunk, tokens = Math.Min(TokensPerChunk, _tokens - firstToken);
                var lastCount = _firstPosition + firstToken + tokens;
                var segments = CompactAttention.Segments(lastCount);
                for (var segment = 0; segment < segments; segment++)
                {
                    var first = segment * CompactAttention.SegmentLength;
                    CompactAttention.WidenRows(_cache.Type, layer, c.KvHeadCount, g, first, Math.Min(lastCount, first + CompactAttention.SegmentLength) - first,
                                               keyRows, valueRows);
                    for (var t = 0; t < tokens; t++)
                    {
                        var count = _firstPosition + firstToken + t + 1;
                        if (count <= first) continue;
                        var queries = ForwardState.Address(_state.Query) + (firstToken + t) * d + g * 4 * headDim;
                        CompactAttention.WidenedSegmentOfFour(keyRows, valueRows, queries, Math.Min(count, first + CompactAttention.SegmentLength) - first,
                                                              scale, partials + (t * 4 * maxSegments + segment) * stride, maxSegments * stride);
                    }
                }
                for (var t = 0; t < tokens; t++)
                {
                    var i = firstToken + t;
                    var count = _firstPosition + i + 1;
                    for (var h = 0; h < 4; h++)
                        CompactAttention.Merge(partials + (t * 4 + h) * maxSegments * stride, CompactAttention.Segments(count), headDim,
                                               ForwardState.Address(_state.Attention) + i * d + (g * 4 + h) * headDim);
                }
            }
        }
    }
}
