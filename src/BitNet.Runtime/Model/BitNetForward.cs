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
    }

    public BitNetConfig Config => _config;

    /// <summary>The ternary kernel path in use.</summary>
    public TernaryKernel Kernel { get; }

    /// <summary>See <see cref="BitNetModelOptions.RoundHeadInputToHalf"/>.</summary>
    public bool RoundHeadInputToHalf { get; }

    /// <summary>Taken around every <see cref="Forward"/>: the worker pool runs one step at a time.</summary>
    public Lock ComputeLock { get; } = new();

    /// <summary>
    /// Runs <paramref name="token"/> at <paramref name="position"/>, appending its keys and values to
    /// <paramref name="cache"/>. Returns the logits (in <paramref name="state"/>) when <paramref name="computeLogits"/>
    /// is set, otherwise an empty span (prompt tokens whose predictions nobody reads skip the LM head).
    /// </summary>
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
            BitLinear(state, layer.Query, state.Normed, state.Query);
            BitLinear(state, layer.Key, state.Normed, state.Key);
            BitLinear(state, layer.Value, state.Normed, state.Value);
            _rope.Apply(state.Query, position);
            _rope.Apply(state.Key, position);
            state.Key.CopyTo(cache.Key(l, position));
            state.Value.CopyTo(cache.Value(l, position));

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
            BitLinear(state, layer.Gate, state.Normed, state.Gate);
            BitLinear(state, layer.Up, state.Normed, state.Up);
            var gate = state.Gate.AsSpan(0, ff);
            GateActivation(gate, state.Up);
            RmsNorm.Apply(gate, layer.FeedForwardSubNorm, eps, gate);
            PrepareInput(state, state.Gate, ff);
            BitLinear(state, layer.Down, state.Gate, state.Projected);
            TensorPrimitives.Add(x, state.Projected, x);
        }

        if (!computeLogits) return [];

        // ---- Final norm and the tied LM head (full precision, never quantized).
        RmsNorm.Apply(x, _weights.OutputNorm, eps, n);
        if (RoundHeadInputToHalf)
            for (var i = 0; i < n.Length; i++) n[i] = (float)(Half)n[i];
        state.HeadJob.Run(_pool, _weights.TokenEmbedding, ForwardState.Address(state.Normed), ForwardState.Address(state.Logits));
        return state.Logits;
    }

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

    private void GateActivation(Span<float> gate, ReadOnlySpan<float> up)
    {
        if (_config.Activation == FeedForwardActivation.ReluSquared)
        {
            for (var i = 0; i < gate.Length; i++)
            {
                var g = MathF.Max(gate[i], 0f);
                gate[i] = g * g * up[i];
            }
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
