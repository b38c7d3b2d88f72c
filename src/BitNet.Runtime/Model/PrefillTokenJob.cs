using BitNet.Runtime.Threading;

namespace BitNet.Runtime.Model;

/// <summary>
/// Runs one <see cref="PrefillStep"/> for every token of a prefill batch, tokens split across the pool: on 2B4T these
/// norms, quantizations, rotations and residuals took a quarter of a 128-token prefill when the caller ran them alone.
/// </summary>
internal sealed class PrefillTokenJob : ParallelJob
{
    private BitNetForward _forward = null!;
    private PrefillState _batch = null!;
    private KvCache.KvCache _cache = null!;
    private int _firstPosition;
    private PrefillStep _step;

    /// <summary>The layer the next steps belong to.</summary>
    public int Layer { get; set; }

    public void Set(BitNetForward forward, PrefillState batch, KvCache.KvCache cache, int firstPosition)
    {
        _forward = forward;
        _batch = batch;
        _cache = cache;
        _firstPosition = firstPosition;
    }

    public void Run(WorkerPool pool, PrefillStep step, int count)
    {
        _step = step;
        pool.Run(this, count);
    }

    public override void Execute(int start, int end)
    {
        for (var i = start; i < end; i++) _forward.PrefillTokenStep(_step, _batch, _cache, Layer, _firstPosition, i);
    }
}
