using BitNet.Runtime.Kernels.Activations;
using BitNet.Runtime.Kernels.Ternary;

namespace BitNet.Runtime.Model;

/// <summary>
/// Scratch for evaluating up to <see cref="MaxTokens"/> prompt tokens together, [token × feature] row-major, pinned.
/// Allocated on a session's first long prefill and kept.
/// </summary>
internal sealed class PrefillState : IDisposable
{
    /// <summary>Prompt tokens evaluated per batch: enough to amortize unpacking each weight chunk, small enough for L2-resident activations.</summary>
    public const int MaxTokens = 64;

    public PrefillState(BitNetConfig config, int contextLength, TernaryKernel kernel, bool lookupTables)
    {
        int d = config.EmbeddingLength, ff = config.FeedForwardLength, kv = config.KvDimension;
        D = d;
        FF = ff;
        KV = kv;
        Hidden = Pinned(MaxTokens * d);
        Normed = Pinned(MaxTokens * d);
        Query = Pinned(MaxTokens * d);
        Key = Pinned(MaxTokens * kv);
        Value = Pinned(MaxTokens * kv);
        Attention = Pinned(MaxTokens * d);
        Projected = Pinned(MaxTokens * d);
        Gate = Pinned(MaxTokens * ff);
        Up = Pinned(MaxTokens * ff);
        Quantized = new QuantizedActivationBatch(Math.Max(d, ff), MaxTokens, lookupTables);
        Gemm = new TernaryGemm(kernel, Math.Max(d, ff), MaxTokens);
        Attend = new PrefillAttentionJob(contextLength);
    }

    /// <summary>The per-token steps between the batched products.</summary>
    public PrefillTokenJob PerToken { get; } = new();

    public int D { get; }

    public int FF { get; }

    public int KV { get; }

    public float[] Hidden { get; }

    public float[] Normed { get; }

    public float[] Query { get; }

    public float[] Key { get; }

    public float[] Value { get; }

    public float[] Attention { get; }

    public float[] Projected { get; }

    public float[] Gate { get; }

    public float[] Up { get; }

    public QuantizedActivationBatch Quantized { get; }

    public TernaryGemm Gemm { get; }

    public PrefillAttentionJob Attend { get; }

    public void Dispose() => Quantized.Dispose();

    private static float[] Pinned(int length) => GC.AllocateArray<float>(length, pinned: true);
}
