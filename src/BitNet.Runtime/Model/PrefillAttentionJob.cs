using BitNet.Runtime.Threading;

namespace BitNet.Runtime.Model;

/// <summary>
/// Causal attention for a batch of prompt tokens whose keys and values are already in the cache: token i (at position
/// p0 + i) attends to positions 0..p0 + i. Work items are (token, head) pairs, split across the pool.
/// </summary>
internal sealed class PrefillAttentionJob : ParallelJob
{
    private readonly int _contextLength;
    [ThreadStatic] private static float[]? t_scores;
    private BitNetConfig _config = null!;
    private KvCache.KvCache _cache = null!;
    private PrefillState _state = null!;
    private int _layer;
    private int _firstPosition;

    public PrefillAttentionJob(int contextLength) => _contextLength = contextLength;

    public void Run(WorkerPool pool, BitNetConfig config, KvCache.KvCache cache, PrefillState state, int layer, int firstPosition, int count)
    {
        _config = config;
        _cache = cache;
        _state = state;
        _layer = layer;
        _firstPosition = firstPosition;
        pool.Run(this, count * config.HeadCount);
    }

    public override void Execute(int start, int end)
    {
        var c = _config;
        int headDim = c.HeadDimension, kvDim = c.KvDimension, group = c.HeadCount / c.KvHeadCount, d = c.EmbeddingLength;
        var scale = 1f / MathF.Sqrt(headDim);
        // One scores row per worker thread, allocated once per thread for the life of the process.
        var scores = t_scores is { } s && s.Length >= _contextLength ? s : t_scores = new float[_contextLength];
        for (var item = start; item < end; item++)
        {
            int i = item / c.HeadCount, h = item % c.HeadCount;
            var count = _firstPosition + i + 1;
            AttentionJob.AttendHead(_state.Query.AsSpan(i * d + h * headDim, headDim), _cache.Keys(_layer, count), _cache.Values(_layer, count),
                                    count, h / group * headDim, kvDim, scale, scores.AsSpan(0, count), _state.Attention.AsSpan(i * d + h * headDim, headDim));
        }
    }
}
