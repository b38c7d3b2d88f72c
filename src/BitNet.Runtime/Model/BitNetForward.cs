using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using BitNet.Runtime.Kernels.Ops;
using BitNet.Runtime.Kernels.Ternary;
using BitNet.Runtime.Threading;
using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Model;

/// <summary>
/// The BitNet b1.58 forward pass for one token, top to bottom (HF <c>modeling_bitnet.py</c>, llama.cpp
/// <c>src/models/bitnet.cpp</c>; MODEL_CARD.md states it exactly):
/// <code>
/// x = token_embd[token]
/// for each layer:
///     n = RMSNorm(x) · attn_norm
///     q, k, v = BitLinear(n);  q, k = rope_neox(q, k, pos)
///     a = softmax(q·kᵀ / √d_head, causal) · v            (GQA: query head h reads KV head h / group)
///     x = x + BitLinear_o(RMSNorm(a) · attn_sub_norm)
///     m = RMSNorm(x) · ffn_norm
///     x = x + BitLinear_down(RMSNorm(relu(BitLinear_gate(m))² · BitLinear_up(m)) · ffn_sub_norm)
/// logits = (RMSNorm(x) · output_norm) · token_embdᵀ                (tied head)
/// </code>
/// The weights are read-only; each sequence brings its own KV cache and scratch. The worker pool is shared, so
/// callers serialize <see cref="Forward"/> calls (see <see cref="InferenceSession"/>).
/// </summary>
internal sealed unsafe class BitNetForward
{
    private readonly BitNetConfig _config;
    private readonly BitNetWeights _weights;
    private readonly RotaryEmbedding _rope;
    private readonly ActivationQuantization _activationQuantization;
    private readonly WorkerPool _pool;

    public BitNetForward(BitNetConfig config, BitNetWeights weights, ActivationQuantization activationQuantization, WorkerPool pool, TernaryKernel kernel,
                         bool roundHeadInputToHalf = false)
    {
        RoundHeadInputToHalf = roundHeadInputToHalf;
        _config = config;
        _weights = weights;
        _activationQuantization = activationQuantization;
        _pool = pool;
        Kernel = kernel;
        _rope = new RotaryEmbedding(config.HeadDimension, config.ContextLength, config.RopeTheta);
        CanBatch = activationQuantization == ActivationQuantization.Int8PerToken && weights.Layers.All(l => l.Projections.All(m => m.BlockScales is null));
    }

    public BitNetConfig Config => _config;

    /// <summary>The ternary kernel path in use.</summary>
    public TernaryKernel Kernel { get; }

    /// <summary>Whether the projections were re-encoded into the lookup layout at load (see <see cref="Weights.LookupTernaryCodes"/>).</summary>
    internal bool UsesLookupLayout => _weights.Layers.Count > 0 && _weights.Layers[0].Query.Lookup is not null;

    /// <summary>See <see cref="BitNetModelOptions.RoundHeadInputToHalf"/>.</summary>
    public bool RoundHeadInputToHalf { get; }

    /// <summary>Taken around every <see cref="Forward"/>: the worker pool runs one step at a time.</summary>
    public Lock ComputeLock { get; } = new();

    /// <summary>
    /// Runs <paramref name="token"/> at <paramref name="position"/>, appending its keys and values to
    /// <paramref name="cache"/>. Returns the logits (in <paramref name="state"/>) when <paramref name="computeLogits"/>
    /// is set, otherwise an empty span (prompt tokens whose predictions nobody reads skip the LM head).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Span<float> Forward(int token, int position, KvCache.KvCache cache, ForwardState state, bool computeLogits = true)
    {
        var c = _config;
        var eps = c.RmsNormEpsilon;
        int d = c.EmbeddingLength, ff = c.FeedForwardLength;
        var x = state.Hidden.AsSpan();
        var n = state.Normed.AsSpan(0, d);

        // ---- Token embedding.
        _weights.TokenEmbedding.CopyRow(token, x);

        for (var l = 0; l < c.BlockCount; l++)
        {
            var layer = _weights.Layers[l];

            // ---- Attention: pre-norm, q/k/v projections, rotary embedding, cache the new key and value.
            RmsNorm.Apply(x, layer.AttentionNorm, eps, n);
            PrepareInput(state, state.Normed, d);
            BitLinear(state, state.Normed, layer.Query, state.Query, layer.Key, state.Key, layer.Value, state.Value);
            _rope.Apply(state.Query, position);
            _rope.Apply(state.Key, position);
            cache.Store(l, position, state.Key, state.Value);

            // ---- Causal attention over positions 0..position, heads in parallel.
            state.AttentionJob.Run(_pool, c, cache, state, l, position);

            // ---- Sub-norm BEFORE the output projection (BitNet's one departure from Llama here), then the residual.
            var attention = state.Attention.AsSpan(0, d);
            RmsNorm.Apply(attention, layer.AttentionSubNorm, eps, attention);
            PrepareInput(state, state.Attention, d);
            BitLinear(state, layer.Output, state.Attention, state.Projected);
            TensorPrimitives.Add(x, state.Projected, x);

            // ---- Feed-forward: relu(gate)² · up, sub-norm, down projection, residual.
            RmsNorm.Apply(x, layer.FeedForwardNorm, eps, n);
            PrepareInput(state, state.Normed, d);
            BitLinear(state, state.Normed, layer.Gate, state.Gate, layer.Up, state.Up);
            var gate = state.Gate.AsSpan(0, ff);
            GateActivation(gate, state.Up);
            RmsNorm.Apply(gate, layer.FeedForwardSubNorm, eps, gate);
            PrepareInput(state, state.Gate, ff);
            BitLinear(state, layer.Down, state.Gate, state.Projected);
            TensorPrimitives.Add(x, state.Projected, x);
        }

        if (!computeLogits) return [];

        // ---- Final norm and the LM head (tied; float for F16/F32/BF16 tables, int8 activations for Q8_0/Q6_K ones).
        Head(x, state);
        return state.Logits;
    }

    /// <summary>logits = (RMSNorm(x) · output_norm) · token_embdᵀ, into <paramref name="state"/>.</summary>
    private void Head(ReadOnlySpan<float> x, ForwardState state)
    {
        var n = state.Normed.AsSpan(0, _config.EmbeddingLength);
        FinalNorm(x, n);
        if (RoundHeadInputToHalf)
            for (var i = 0; i < n.Length; i++) n[i] = (float)(Half)n[i];
        state.HeadJob.Run(_pool, _weights.Head, ForwardState.Address(state.Normed), ForwardState.Address(state.Logits));
    }

    /// <summary>
    /// The final hidden state of a token: RMSNorm(<paramref name="x"/>) · output_norm, the vector the LM head reads
    /// (<paramref name="x"/> is the residual stream after the last layer).
    /// </summary>
    public void FinalNorm(ReadOnlySpan<float> x, Span<float> normed) => RmsNorm.Apply(x, _weights.OutputNorm, _config.RmsNormEpsilon, normed);

    /// <summary>Whether <see cref="Prefill"/> can evaluate prompt tokens together (int8 per-token activations and one scale per matrix).</summary>
    public bool CanBatch { get; }

    /// <summary>
    /// The same pass as <see cref="Forward"/> for <paramref name="tokens"/> at positions <paramref name="firstPosition"/>
    /// onward, evaluated together so that each weight chunk is unpacked once for the whole batch. Bit-identical to
    /// calling <see cref="Forward"/> token by token; fills <paramref name="state"/>'s logits for the last token when
    /// asked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Prefill(ReadOnlySpan<int> tokens, int firstPosition, KvCache.KvCache cache, PrefillState batch, ForwardState state, bool computeLogits)
    {
        var c = _config;
        var eps = c.RmsNormEpsilon;
        int d = c.EmbeddingLength, ff = c.FeedForwardLength, kv = c.KvDimension, n = tokens.Length;

        // ---- Token embeddings.
        for (var i = 0; i < n; i++) _weights.TokenEmbedding.CopyRow(tokens[i], batch.Hidden.AsSpan(i * d, d));

        var perToken = batch.PerToken;
        perToken.Set(this, batch, cache, firstPosition);
        for (var l = 0; l < c.BlockCount; l++)
        {
            var layer = _weights.Layers[l];
            perToken.Layer = l;

            // ---- Attention: pre-norm, q/k/v for every token, rotary embedding, all keys and values into the cache.
            perToken.Run(_pool, PrefillStep.AttentionInput, n);
            BitLinear(batch, layer.Query, n, batch.Query, d);
            BitLinear(batch, layer.Key, n, batch.Key, kv);
            BitLinear(batch, layer.Value, n, batch.Value, kv);
            perToken.Run(_pool, PrefillStep.RotateAndCache, n);

            // ---- Causal attention: token i sees positions up to its own; (token, head) pairs in parallel.
            batch.Attend.Run(_pool, c, cache, batch, l, firstPosition, n);

            // ---- Sub-norm, output projection, residual (added with the next step's norm).
            perToken.Run(_pool, PrefillStep.OutputInput, n);
            BitLinear(batch, layer.Output, n, batch.Projected, d);

            // ---- Feed-forward: relu(gate)² · up, sub-norm, down projection, residual.
            perToken.Run(_pool, PrefillStep.FeedForwardInput, n);
            BitLinear(batch, layer.Gate, n, batch.Gate, ff);
            BitLinear(batch, layer.Up, n, batch.Up, ff);
            perToken.Run(_pool, PrefillStep.DownInput, n);
            BitLinear(batch, layer.Down, n, batch.Projected, d);
            perToken.Run(_pool, PrefillStep.Residual, n);
        }

        if (!computeLogits) return;

        // ---- The last token's final norm and LM head, exactly as in Forward.
        Head(batch.Hidden.AsSpan((n - 1) * d, d), state);
    }

    /// <summary>
    /// One prompt token's share of a <see cref="Prefill"/> step between two batched products (run for every token,
    /// tokens in parallel by <see cref="PrefillTokenJob"/>). The same operations as <see cref="Forward"/>, in the same order.
    /// </summary>
    internal void PrefillTokenStep(PrefillStep step, PrefillState batch, KvCache.KvCache cache, int layerIndex, int firstPosition, int i)
    {
        var c = _config;
        var eps = c.RmsNormEpsilon;
        int d = c.EmbeddingLength, ff = c.FeedForwardLength, kv = c.KvDimension;
        var layer = _weights.Layers[layerIndex];
        var hidden = batch.Hidden.AsSpan(i * d, d);
        switch (step)
        {
            case PrefillStep.AttentionInput:
                RmsNorm.Apply(hidden, layer.AttentionNorm, eps, batch.Normed.AsSpan(i * d, d));
                batch.Quantized.Quantize(i, batch.Normed.AsSpan(i * d, d));
                break;
            case PrefillStep.RotateAndCache:
                var key = batch.Key.AsSpan(i * kv, kv);
                _rope.Apply(batch.Query.AsSpan(i * d, d), firstPosition + i);
                _rope.Apply(key, firstPosition + i);
                cache.Store(layerIndex, firstPosition + i, key, batch.Value.AsSpan(i * kv, kv));
                break;
            case PrefillStep.OutputInput:
                var attention = batch.Attention.AsSpan(i * d, d);
                RmsNorm.Apply(attention, layer.AttentionSubNorm, eps, attention);
                batch.Quantized.Quantize(i, attention);
                break;
            case PrefillStep.FeedForwardInput:
                TensorPrimitives.Add(hidden, batch.Projected.AsSpan(i * d, d), hidden);
                RmsNorm.Apply(hidden, layer.FeedForwardNorm, eps, batch.Normed.AsSpan(i * d, d));
                batch.Quantized.Quantize(i, batch.Normed.AsSpan(i * d, d));
                break;
            case PrefillStep.DownInput:
                var gate = batch.Gate.AsSpan(i * ff, ff);
                GateActivation(gate, batch.Up.AsSpan(i * ff, ff));
                RmsNorm.Apply(gate, layer.FeedForwardSubNorm, eps, gate);
                batch.Quantized.Quantize(i, gate);
                break;
            case PrefillStep.Residual:
                TensorPrimitives.Add(hidden, batch.Projected.AsSpan(i * d, d), hidden);
                break;
        }
    }

    private void BitLinear(PrefillState batch, PackedTernaryMatrix weight, int count, float[] output, int outputStride) =>
        batch.Gemm.Multiply(_pool, weight, batch.Quantized, count, ForwardState.Address(output), outputStride);

    /// <summary>Quantizes a BitLinear input to int8 once, for every projection that reads it (q, k and v share one).</summary>
    private void PrepareInput(ForwardState state, float[] input, int length)
    {
        if (_activationQuantization == ActivationQuantization.Int8PerToken)
            state.Quantized.Quantize(input.AsSpan(0, length));
        else if (_activationQuantization == ActivationQuantization.Int8PerBlock)
            state.Quantized.QuantizeBlocks(input.AsSpan(0, length));
    }

    /// <summary>y = actq(x) · (s · Q)ᵀ over the worker pool.</summary>
    private void BitLinear(ForwardState state, PackedTernaryMatrix weight, float[] input, float[] output)
    {
        if (_activationQuantization != ActivationQuantization.None)
            state.Gemv.Multiply(_pool, weight, state.Quantized, ForwardState.Address(output));
        else
            state.Gemv.Multiply(_pool, weight, ForwardState.Address(input), ForwardState.Address(output));
    }

    /// <summary>Two or three BitLinears that read the same input, run as one parallel step.</summary>
    private void BitLinear(ForwardState state, float[] input, PackedTernaryMatrix a, float[] ya, PackedTernaryMatrix b, float[] yb,
                           PackedTernaryMatrix? c = null, float[]? yc = null)
    {
        if (_activationQuantization == ActivationQuantization.None)
        {
            BitLinear(state, a, input, ya);
            BitLinear(state, b, input, yb);
            if (c is not null) BitLinear(state, c, input, yc!);
            return;
        }
        state.Gemv.Multiply(_pool, state.Quantized, a, ForwardState.Address(ya), b, ForwardState.Address(yb),
                            c, yc is null ? null : ForwardState.Address(yc));
    }

    private void GateActivation(Span<float> gate, ReadOnlySpan<float> up)
    {
        if (_config.Activation == FeedForwardActivation.ReluSquared)
        {
            // max(g, 0)² · up as (g · g) · up, elementwise: the same roundings as the scalar formula, vectorized.
            TensorPrimitives.Max(gate, 0f, gate);
            TensorPrimitives.Multiply(gate, gate, gate);
            TensorPrimitives.Multiply(gate, up[..gate.Length], gate);
        }
        else
        {
            for (var i = 0; i < gate.Length; i++)
            {
                var g = gate[i];
                gate[i] = g / (1f + MathF.Exp(-g)) * up[i];
            }
        }
    }
}
