using BitNet.Runtime;
using BitNet.Runtime.Generation;
using BitNet.Runtime.KvCache;
using BitNet.Runtime.Model;
using BitNet.Runtime.Sampling;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI;

/// <summary>
/// Settings of a <see cref="BitNetChatClient"/> and of the <see cref="BitNetRuntime"/> it runs on: which model to load
/// and how, how many requests may run at once, and the sampling defaults used when a request's
/// <see cref="ChatOptions"/> leaves a value unset.
/// </summary>
/// <remarks>
/// <para>
/// The loading settings (<see cref="ModelPath"/>, <see cref="ActivationQuantization"/>, <see cref="HeadQuantization"/>, <see cref="ContextLength"/>, <see cref="KvCache"/>,
/// <see cref="MaxConcurrentRequests"/>, <see cref="EnablePrefixReuse"/>, <see cref="MaxRetainedKvCacheBytes"/>) are read once, when the runtime is created
/// (<see cref="BitNetRuntime.Load"/>, the <see cref="BitNetChatClient(BitNetChatClientOptions)"/> constructor, or the
/// first resolution of the runtime from dependency injection). A client built around an existing runtime uses only
/// the request defaults and <see cref="ModelId"/>.
/// </para>
/// <para>
/// Values are checked when the runtime or client is created, and by
/// <see cref="Microsoft.Extensions.DependencyInjection.BitNetServiceCollectionExtensions.AddBitNetChatClient(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{BitNetChatClientOptions})"/> (and its overloads) when the
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
    /// What the LM head multiplies. Default <see cref="HeadQuantization.AsStored"/> (exact). <see cref="HeadQuantization.Int8"/>
    /// re-encodes a float (F16/F32/BF16) head as Q8_0 when the model loads: on bitnet-b1.58-2B-4T's F16 GGUF a
    /// generated token then reads 870 instead of 1,178 MB of weights, which is what decode speed is bound by, at a small
    /// measured cost in logits (docs/benchmarks.md, "Int8 LM head at load"). Models whose head is already quantized are unaffected.
    /// </summary>
    public HeadQuantization HeadQuantization { get; set; } = HeadQuantization.AsStored;

    /// <summary>
    /// Threads of the forward pass (the request's own thread included), shared by every request on the runtime.
    /// <see langword="null"/> (the default) uses the physical cores; allowed 1 to 1024. More threads than physical cores
    /// only compete for the same memory bandwidth.
    /// </summary>
    public int? Threads { get; set; }

    /// <summary>
    /// Positions per request (prompt plus generated tokens). <see langword="null"/> (the default) uses the context length
    /// the model was trained for; a value below 1 or above it is rejected (above it: when the model loads, since only the
    /// file knows its length). What happens to a request that does not fit is <see cref="ContextOverflowPolicy"/>.
    /// </summary>
    public int? ContextLength { get; set; }

    /// <summary>
    /// What a request does when its prompt, or its prompt plus <see cref="ChatOptions.MaxOutputTokens"/>, does not fit in
    /// the context. <see cref="Runtime.Generation.ContextOverflowPolicy.Error"/> (the default) fails before generating,
    /// with a <see cref="ContextLengthExceededException"/> naming the token counts; without an output limit the answer
    /// ends with <see cref="ChatFinishReason.Length"/> when the context is full.
    /// <see cref="Runtime.Generation.ContextOverflowPolicy.SlidingWindow"/> keeps the beginning of the story
    /// (<see cref="SlidingWindowSinkTokens"/>) and the most recent tokens and drops the middle, re-evaluating the kept
    /// recent tokens at their new positions (a prefill of about half the context per half-context of new tokens).
    /// </summary>
    public ContextOverflowPolicy ContextOverflowPolicy { get; set; } = ContextOverflowPolicy.Error;

    /// <summary>
    /// With <see cref="Runtime.Generation.ContextOverflowPolicy.SlidingWindow"/>: how many leading tokens of the prompt
    /// are never dropped. <see langword="null"/> (the default) keeps the first message: the tokens of the first user or
    /// assistant message with its beginning-of-sequence token (system messages are not rendered), up to half the
    /// context. A value must be &gt;= 0, and at most half the context length when the client is created.
    /// </summary>
    public int? SlidingWindowSinkTokens { get; set; }

    /// <summary>
    /// Whether a request reuses the KV cache of an earlier request whose tokens begin the same way (the previous turn of
    /// a conversation, or a shared prompt prefix) and evaluates only the rest. Default <see langword="true"/>; the output
    /// is the same either way, only the time to the first token changes. The reused tokens are reported in
    /// <see cref="UsageDetails.CachedInputTokenCount"/>.
    /// </summary>
    public bool EnablePrefixReuse { get; set; } = true;

    /// <summary>
    /// The most KV-cache memory that idle sessions may keep for reuse, in bytes; the least recently used are evicted
    /// beyond it. A session allocates its whole context (for the 2B4T shape at 4096 positions, 630 MB in F32; for the
    /// shipped model at 256 positions, 2 MB), so this bounds how many conversations stay cached.
    /// <see langword="null"/> (the default) keeps at most <see cref="MaxConcurrentRequests"/> idle sessions, the
    /// sessions the runtime needs anyway, and a new conversation then takes over the least recently used one. With a
    /// budget, a new conversation (one sharing no more than the beginning-of-sequence token with any cached one) gets a
    /// session of its own while the budget can retain it, so that several conversations stay cached; 0 keeps none
    /// (every request allocates a fresh session). Must be &gt;= 0. Sessions running a request are not counted.
    /// </summary>
    public long? MaxRetainedKvCacheBytes { get; set; }

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

    // The request defaults are the adaptive sampler (SamplingOptions.Adaptive), chosen by measurement on the shipped
    // model (docs/benchmarks.md, "Sampler settings measured").

    /// <summary>
    /// Sampling temperature when <see cref="ChatOptions.Temperature"/> is unset. 0 selects greedy decoding.
    /// Must be finite and &gt;= 0. Default 1 (the adaptive sampler's filters do the sharpening).
    /// </summary>
    public float Temperature { get; set; } = SamplingOptions.Adaptive.Temperature;

    /// <summary>
    /// Nucleus-sampling mass when <see cref="ChatOptions.TopP"/> is unset. Must be in (0, 1]; 1 disables the filter.
    /// Default 0.95.
    /// </summary>
    public float TopP { get; set; } = SamplingOptions.Adaptive.TopP;

    /// <summary>
    /// Top-k filter when <see cref="ChatOptions.TopK"/> is unset. Must be &gt;= 0; 0 disables the filter. Default 40.
    /// </summary>
    public int TopK { get; set; } = SamplingOptions.Adaptive.TopK;

    /// <summary>
    /// Top-nσ filter when a request sets no <see cref="BitNetChatClient.TopNSigmaPropertyName"/> additional property: keeps
    /// tokens whose logit is within this many standard deviations (of the top-k candidates' logits, before temperature)
    /// of the largest. Must be finite and &gt;= 0; 0 disables the filter. Default 2.
    /// </summary>
    public float TopNSigma { get; set; } = SamplingOptions.Adaptive.TopNSigma;

    /// <summary>
    /// The fewest tokens top-p keeps, when a request sets no <see cref="BitNetChatClient.MinKeepPropertyName"/> additional
    /// property. Must be 1 to 256. Default 3.
    /// </summary>
    public int MinKeep { get; set; } = SamplingOptions.Adaptive.MinKeep;

    /// <summary>
    /// Repetition penalty when a request sets no <see cref="BitNetChatClient.RepetitionPenaltyPropertyName"/> additional
    /// property: the logits of tokens among the last <see cref="RepetitionPenaltyWindow"/> (prompt included) are divided
    /// by it when positive and multiplied when negative. Must be finite and &gt; 0; 1 disables it. Default 1.1. Like the
    /// other penalty defaults it applies only to requests that sample (temperature &gt; 0): a greedy request gets the
    /// model's argmax unless it asks for a penalty itself.
    /// </summary>
    public float RepetitionPenalty { get; set; } = SamplingOptions.Adaptive.RepetitionPenalty;

    /// <summary>
    /// How many recent tokens the repetition penalty looks at, when a request sets no
    /// <see cref="BitNetChatClient.RepetitionPenaltyWindowPropertyName"/> additional property. Must be 1 to 131072. Default 64.
    /// </summary>
    public int RepetitionPenaltyWindow { get; set; } = SamplingOptions.Adaptive.RepetitionPenaltyWindow;

    /// <summary>
    /// Frequency penalty when <see cref="ChatOptions.FrequencyPenalty"/> is unset (OpenAI semantics: subtracted from a
    /// token's logit per time it was already generated). Must be in [-2, 2]; 0 (the default) disables it. Applies only to
    /// requests that sample.
    /// </summary>
    public float FrequencyPenalty { get; set; }

    /// <summary>
    /// Presence penalty when <see cref="ChatOptions.PresencePenalty"/> is unset (OpenAI semantics: subtracted once from
    /// the logit of every token already generated). Must be in [-2, 2]; 0 (the default) disables it. Applies only to
    /// requests that sample.
    /// </summary>
    public float PresencePenalty { get; set; }

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
    /// Whether <c>AddBitNetChatClient</c>'s hosted service runs <see cref="WarmUpPrompts"/> when the host starts, so that
    /// the first real request does not pay for JIT compilation, page faults on the weights and cold caches (measured in
    /// docs/benchmarks.md). Default <see langword="true"/>. The host's start waits for it.
    /// </summary>
    public bool WarmUp { get; set; } = true;

    /// <summary>Short representative prompts the warm-up runs, each as a greedy request. Default: one story opening.</summary>
    public IList<string> WarmUpPrompts { get; set; } = ["Once upon a time"];

    /// <summary>Tokens each warm-up prompt generates (decode is warmed too). Default 8; must be 1 to 256.</summary>
    public int WarmUpMaxTokens { get; set; } = 8;

    /// <summary>
    /// The model id reported in responses and in <see cref="ChatClientMetadata.DefaultModelId"/>.
    /// <see langword="null"/> (the default) uses the model's own id (GGUF <c>general.name</c>, else the file name).
    /// </summary>
    public string? ModelId { get; set; }

    /// <summary>
    /// The text preprocessing <c>AddBitNetChatClient</c> installs as the outermost layer of the pipeline (on by default;
    /// <c>Preprocessing.Enabled = false</c> installs none). Bindable from configuration as a nested section
    /// (<c>"Preprocessing": { "EmojiHandling": "Remove" }</c>). Not read by a <see cref="BitNetChatClient"/> itself.
    /// </summary>
    public BitNetPreprocessingOptions Preprocessing { get; set; } = new();

    /// <summary>A copy of these options (the client keeps one, so later changes to this instance do not affect it).</summary>
    internal BitNetChatClientOptions Clone() => (BitNetChatClientOptions)MemberwiseClone();
}
