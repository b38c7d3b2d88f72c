using BitNet.Runtime.Kernels;
using BitNet.Runtime.KvCache;
using BitNet.Runtime.Model;

namespace BitNet.Runtime;

/// <summary>How to load and run a model.</summary>
public sealed record BitNetModelOptions
{
    /// <summary>The GGUF file; null means the default model that ships with the library.</summary>
    public string? ModelPath { get; init; }

    /// <summary>
    /// How BitLinear inputs are treated. Default: <see cref="ActivationQuantization.Int8PerToken"/>, the semantics the
    /// model was trained with; <see cref="ActivationQuantization.Int8PerBlock"/> reproduces llama.cpp on TQ1_0/TQ2_0
    /// files, <see cref="ActivationQuantization.None"/> llama.cpp on F16/F32 ones.
    /// </summary>
    public ActivationQuantization ActivationQuantization { get; init; } = ActivationQuantization.Int8PerToken;

    /// <summary>Positions per sequence; null means the model's trained context length. Cannot exceed it.</summary>
    public int? ContextLength { get; init; }

    /// <summary>
    /// The precision the KV cache stores keys and values in. Default <see cref="KvCacheType.F32"/> (exact). The compact
    /// types cut the cache's bytes per token 2× (F16, BF16), ~4× (FP8, Int8) or ~6.4× (Int4) at some accuracy cost;
    /// docs/benchmarks.md ("KV cache precision") measures the trade-off.
    /// </summary>
    public KvCacheType KvCache { get; init; } = KvCacheType.F32;

    /// <summary>Threads for the forward pass (the caller's thread included); null means the physical cores.</summary>
    public int? Threads { get; init; }

    /// <summary>Which instruction-set path the ternary kernels use; <see cref="KernelPath.Auto"/> picks the fastest this CPU has.</summary>
    public KernelPath KernelPath { get; init; } = KernelPath.Auto;

    /// <summary>
    /// Which instruction-set path the LM head kernel uses (<see cref="KernelPath.Avx2"/>, <see cref="KernelPath.AvxVnni"/>,
    /// <see cref="KernelPath.Avx512"/> or <see cref="KernelPath.Scalar"/>; F16 heads have no AVX-VNNI path);
    /// <see cref="KernelPath.Auto"/> picks the fastest this CPU has for the head's storage type.
    /// </summary>
    public KernelPath HeadKernelPath { get; init; } = KernelPath.Auto;

    /// <summary>
    /// What the LM head multiplies. Default <see cref="Model.HeadQuantization.AsStored"/> (exact). <see cref="Model.HeadQuantization.Int8"/>
    /// re-encodes a float (F16/F32/BF16) head as Q8_0 at load: the head then reads 1.0625 instead of 2 bytes per weight,
    /// which on 2B4T cuts a decoded token's weight traffic from 1,178 to 870 MB, at a small measured cost in logits
    /// (docs/benchmarks.md, "Int8 LM head at load"). Files whose head is already Q8_0 or Q6_K are unaffected.
    /// </summary>
    public HeadQuantization HeadQuantization { get; init; } = HeadQuantization.AsStored;

    /// <summary>
    /// Test hook, off by default: round the LM head's input to F16 as ggml does — its <c>mul_mat</c> with an F16 weight
    /// (the tied <c>token_embd</c>) converts the F32 activations to F16 first. With it the engine reproduces the ggml /
    /// bitnet.cpp peer logits of the int8 formats to ~1e-5 instead of ~1e-3, which isolates that rounding as the
    /// remaining difference (see PeerOutputTests). The engine itself keeps the head input in float.
    /// </summary>
    internal bool RoundHeadInputToHalf { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option when a value is out of range.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(ActivationQuantization))
            throw new ArgumentOutOfRangeException(nameof(ActivationQuantization), ActivationQuantization, $"Allowed: {string.Join(", ", Enum.GetNames<ActivationQuantization>())}.");
        if (Threads is < 1 or > 1024)
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be from 1 to 1024 (or null for the physical cores).");
        if (!Enum.IsDefined(KernelPath))
            throw new ArgumentOutOfRangeException(nameof(KernelPath), KernelPath, $"Allowed: {string.Join(", ", Enum.GetNames<KernelPath>())}.");
        if (!Enum.IsDefined(HeadKernelPath))
            throw new ArgumentOutOfRangeException(nameof(HeadKernelPath), HeadKernelPath, $"Allowed: {string.Join(", ", Enum.GetNames<KernelPath>())}.");
        if (!Enum.IsDefined(HeadQuantization))
            throw new ArgumentOutOfRangeException(nameof(HeadQuantization), HeadQuantization, $"Allowed: {string.Join(", ", Enum.GetNames<HeadQuantization>())}.");
        if (!Enum.IsDefined(KvCache))
            throw new ArgumentOutOfRangeException(nameof(KvCache), KvCache, $"KvCache must be one of {string.Join(", ", Enum.GetNames<KvCacheType>())}.");
        if (ContextLength is < 1)
            throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "ContextLength must be at least 1 (or null for the model's own).");
    }
}
