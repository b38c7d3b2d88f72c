using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BitNet.Runtime.Kernels.Activations;
using BitNet.Runtime.Kernels.Ternary;

namespace BitNet.Runtime.Model;

/// <summary>
/// Scratch for one sequence's forward pass, allocated once (pinned, so kernels take raw pointers) so that a token costs
/// no allocation. Buffers that feed a ternary product are padded to whole 256-element chunks; the padding stays zero.
/// </summary>
internal sealed unsafe class ForwardState : IDisposable
{
    public ForwardState(BitNetConfig config, int contextLength, TernaryKernel kernel)
    {
        int d = config.EmbeddingLength, ff = config.FeedForwardLength, kv = config.KvDimension;
        Hidden = Pinned(d);
        Normed = Pinned(Padded(Math.Max(d, ff)));
        Query = Pinned(d);
        Key = Pinned(kv);
        Value = Pinned(kv);
        Attention = Pinned(Padded(d));
        Projected = Pinned(d);
        Gate = Pinned(Padded(ff));
        Up = Pinned(ff);
        Scores = new float[config.HeadCount * contextLength];
        Logits = Pinned(config.VocabularySize);
        Quantized = new QuantizedActivations(Math.Max(d, ff));
        Gemv = new TernaryGemv(kernel, Math.Max(d + 2 * kv, 2 * ff), Math.Max(d, ff)); // q/k/v and gate/up run stacked
        AttentionJob = new AttentionJob(config, contextLength);
        HeadJob = new HeadJob(d);
    }

    /// <summary>The residual stream x.</summary>
    public float[] Hidden { get; }

    /// <summary>RMSNorm output: the input of the next BitLinear.</summary>
    public float[] Normed { get; }

    public float[] Query { get; }

    public float[] Key { get; }

    public float[] Value { get; }

    /// <summary>Concatenated attention heads.</summary>
    public float[] Attention { get; }

    /// <summary>Output of attn_output / ffn_down before it joins the residual.</summary>
    public float[] Projected { get; }

    public float[] Gate { get; }

    public float[] Up { get; }

    /// <summary>Attention scores, one context-length row per query head (heads run in parallel).</summary>
    public float[] Scores { get; }

    public float[] Logits { get; }

    /// <summary>The int8 form of the current BitLinear input.</summary>
    public QuantizedActivations Quantized { get; }

    public TernaryGemv Gemv { get; }

    public AttentionJob AttentionJob { get; }

    public HeadJob HeadJob { get; }

    public void Dispose()
    {
        Quantized.Dispose();
        HeadJob.Dispose();
    }

    /// <summary>The address of a pinned buffer.</summary>
    public static float* Address(float[] pinned) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));

    private static float[] Pinned(int length) => GC.AllocateArray<float>(length, pinned: true);

    private static int Padded(int length) => (length + 255) / 256 * 256;
}
