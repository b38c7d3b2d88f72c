using BitNet.Runtime;
using BitNet.Runtime.KvCache;
using BitNet.Runtime.Model;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI;

/// <summary>
/// Settings of a <see cref="BitNetChatClient"/> and of the <see cref="BitNetRuntime"/> it runs on: which model to load
/// and how, how many requests may run at once, and the sampling defaults used when a request's
/// <see cref="ChatOptions"/> leaves a value unset.
/// </summary>
/// <remarks>
/// <para>
/// The loading settings (<see cref="ModelPath"/>, <see cref="ActivationQuantization"/>, <see cref="ContextLength"/>, <see cref="KvCache"/>,
/// <see cref="MaxConcurrentRequests"/>) are read once, when the runtime is created
/// (<see cref="BitNetRuntime.Load"/>, the <see cref="BitNetChatClient(BitNetChatClientOptions)"/> constructor, or the
/// first resolution of the runtime from dependency injection). A client built around an existing runtime uses only
/// the request defaults and <see cref="ModelId"/>.
/// </para>
/// <para>
/// Values are checked when the runtime or client is created, and by
/// <see cref="Microsoft.Extensions.DependencyInjection.BitNetServiceCollectionExtensions.AddBitNetChatClient"/> when the
/// host starts: an out-of-range value fails with a message naming the option, its value and the allowed range.
/// </para>
/// </remarks>
public sealed class BitNetChatClientOptions
{
    /// <summary>
    /// The BitNet GGUF file to load. <see langword="null"/> or empty (the default) loads the model that ships with the
    /// library (a 4M-parameter TinyStories BitNet b1.58, copied next to the application; see <see cref="DefaultModel"/>).
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>
    /// How the inputs of the ternary projections are treated. Default <see cref="ActivationQuantization.Int8PerToken"/>,
    /// the semantics BitNet b1.58 models are trained with; <see cref="ActivationQuantization.None"/> reproduces what
    /// llama.cpp computes on float weights, <see cref="ActivationQuantization.Int8PerBlock"/> what it computes on TQ1_0/TQ2_0.
    /// </summary>
    public ActivationQuantization ActivationQuantization { get; set; } = ActivationQuantization.Int8PerToken;

    /// <summary>
    /// Positions per request (prompt plus generated tokens). <see langword="null"/> (the default) uses the context length
    /// the model was trained for; a larger value is rejected when the model loads. A prompt that does not fit is an
    /// error: nothing is truncated.
    /// </summary>
    public int? ContextLength { get; set; }

    /// <summary>
    /// The precision each request's KV cache stores keys and values in. Default <see cref="KvCacheType.F32"/> (exact);
    /// <see cref="KvCacheType.F16"/>, <see cref="KvCacheType.BF16"/>, <see cref="KvCacheType.Fp8E4M3"/>,
    /// <see cref="KvCacheType.Fp8E5M2"/>, <see cref="KvCacheType.Int8"/> and <see cref="KvCacheType.Int4"/> hold fewer bytes
    /// per token (so more context or more concurrent requests fit in memory) at some accuracy cost.
    /// </summary>
    public KvCacheType KvCache { get; set; } = KvCacheType.F32;

    /// <summary>
    /// The most requests that generate at the same time; further requests wait (asynchronously) for a free slot. Each
    /// running request has its own inference session (KV cache), so concurrent requests never share state. Default 1.
    /// Requests are not batched yet: each runs its own forward passes, so on a CPU with few cores a value above the
    /// core count mostly adds memory.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 1;

    /// <summary>
    /// Sampling temperature when <see cref="ChatOptions.Temperature"/> is unset. 0 selects greedy decoding.
    /// Must be finite and &gt;= 0. Default 0.8, which (with <see cref="TopP"/> 0.9) reads best for the shipped story model.
    /// </summary>
    public float Temperature { get; set; } = 0.8f;

    /// <summary>
    /// Nucleus-sampling mass when <see cref="ChatOptions.TopP"/> is unset. Must be in (0, 1]; 1 disables the filter.
    /// Default 0.9.
    /// </summary>
    public float TopP { get; set; } = 0.9f;

    /// <summary>
    /// Top-k filter when <see cref="ChatOptions.TopK"/> is unset. Must be &gt;= 0; 0 (the default) disables the filter.
    /// </summary>
    public int TopK { get; set; }

    /// <summary>
    /// Min-p filter when a request sets no <see cref="BitNetChatClient.MinPPropertyName"/> additional property: keeps tokens
    /// whose probability is at least this fraction of the most probable one. Must be in [0, 1); 0 (the default)
    /// disables the filter.
    /// </summary>
    public float MinP { get; set; }

    /// <summary>
    /// The most tokens a response may have when <see cref="ChatOptions.MaxOutputTokens"/> is unset.
    /// <see langword="null"/> (the default) means the rest of the context. Must be &gt;= 1 when set.
    /// </summary>
    public int? MaxOutputTokens { get; set; }

    /// <summary>
    /// The model id reported in responses and in <see cref="ChatClientMetadata.DefaultModelId"/>.
    /// <see langword="null"/> (the default) uses the model's own id (GGUF <c>general.name</c>, else the file name).
    /// </summary>
    public string? ModelId { get; set; }

    /// <summary>A copy of these options (the client keeps one, so later changes to this instance do not affect it).</summary>
    internal BitNetChatClientOptions Clone() => (BitNetChatClientOptions)MemberwiseClone();
}
