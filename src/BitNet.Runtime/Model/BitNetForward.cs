using System.Numerics.Tensors;
using BitNet.Runtime.Kernels.Activations;
using BitNet.Runtime.Kernels.Ops;
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
/// Stateless apart from read-only weights: each sequence brings its own <see cref="KvCache.KvCache"/> and scratch, so one
/// instance serves concurrent sequences.
/// </summary>
internal sealed class BitNetForward
{
    private readonly BitNetConfig _config;
    private readonly BitNetWeights _weights;
    private readonly RotaryEmbedding _rope;
    private readonly ActivationQuantization _activationQuantization;
    private readonly float _attentionScale;

    public BitNetForward(BitNetConfig config, BitNetWeights weights, ActivationQuantization activationQuantization)
    {
        _config = config;
        _weights = weights;
        _activationQuantization = activationQuantization;
        _rope = new RotaryEmbedding(config.HeadDimension, config.ContextLength, config.RopeTheta);
        _attentionScale = 1f / MathF.Sqrt(config.HeadDimension);
    }

    public BitNetConfig Config => _config;

    /// <summary>
    /// Runs <paramref name="token"/> at <paramref name="position"/>, appending its keys and values to
    /// <paramref name="cache"/>. Returns the logits (in <paramref name="state"/>) when <paramref name="computeLogits"/>
    /// is set, otherwise an empty span (prompt tokens whose predictions nobody reads skip the LM head).
    /// </summary>
    public Span<float> Forward(int token, int position, KvCache.KvCache cache, ForwardState state, bool computeLogits = true)
    {
        var c = _config;
        var eps = c.RmsNormEpsilon;
        var x = state.Hidden.AsSpan();
        var n = state.Normed.AsSpan();

        // ---- Token embedding.
        _weights.TokenEmbedding.AsSpan(token * c.EmbeddingLength, c.EmbeddingLength).CopyTo(x);

        for (var l = 0; l < c.BlockCount; l++)
        {
            var layer = _weights.Layers[l];

            // ---- Attention: pre-norm, q/k/v projections, rotary embedding, cache the new key and value.
            RmsNorm.Apply(x, layer.AttentionNorm, eps, n);
            var input = QuantizeInput(n, state, out var inputScale);
            BitLinear(layer.Query, input, inputScale, state.Query);
            BitLinear(layer.Key, input, inputScale, state.Key);
            BitLinear(layer.Value, input, inputScale, state.Value);
            _rope.Apply(state.Query, position);
            _rope.Apply(state.Key, position);
            state.Key.CopyTo(cache.Key(l, position));
            state.Value.CopyTo(cache.Value(l, position));

            // ---- Causal attention over positions 0..position.
            Attend(cache, l, position, state);

            // ---- Sub-norm BEFORE the output projection (BitNet's one departure from Llama here), then the residual.
            RmsNorm.Apply(state.Attention, layer.AttentionSubNorm, eps, state.Attention);
            input = QuantizeInput(state.Attention, state, out inputScale);
            BitLinear(layer.Output, input, inputScale, state.Projected);
            TensorPrimitives.Add(x, state.Projected, x);

            // ---- Feed-forward: relu(gate)² · up, sub-norm, down projection, residual.
            RmsNorm.Apply(x, layer.FeedForwardNorm, eps, n);
            input = QuantizeInput(n, state, out inputScale);
            BitLinear(layer.Gate, input, inputScale, state.Gate);
            BitLinear(layer.Up, input, inputScale, state.Up);
            GateActivation(state.Gate, state.Up);
            RmsNorm.Apply(state.Gate, layer.FeedForwardSubNorm, eps, state.Gate);
            input = QuantizeInput(state.Gate, state, out inputScale);
            BitLinear(layer.Down, input, inputScale, state.Projected);
            TensorPrimitives.Add(x, state.Projected, x);
        }

        if (!computeLogits) return [];

        // ---- Final norm and the tied LM head (full precision, never quantized).
        RmsNorm.Apply(x, _weights.OutputNorm, eps, n);
        var logits = state.Logits.AsSpan();
        var embedding = _weights.TokenEmbedding.AsSpan();
        for (var v = 0; v < logits.Length; v++)
            logits[v] = TensorPrimitives.Dot(embedding.Slice(v * c.EmbeddingLength, c.EmbeddingLength), n);
        return logits;
    }

    /// <summary>
    /// The activations a BitLinear multiplies: the input itself, or its int8 quantization (as integer-valued floats)
    /// with the scale c to divide the product by.
    /// </summary>
    private ReadOnlySpan<float> QuantizeInput(ReadOnlySpan<float> x, ForwardState state, out float scale)
    {
        if (_activationQuantization == ActivationQuantization.None)
        {
            scale = 1f;
            return x;
        }
        var quantized = state.Quantized.AsSpan(0, x.Length);
        scale = Int8Activations.Quantize(x, quantized);
        return quantized;
    }

    /// <summary>y = actq(x) · (s · Q)ᵀ, with the activation scale folded into the output scale.</summary>
    private static void BitLinear(TernaryMatrix weight, ReadOnlySpan<float> input, float inputScale, Span<float> output) =>
        weight.MultiplyVector(input, output, weight.Scale / inputScale);

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

    private void Attend(KvCache.KvCache cache, int layer, int position, ForwardState state)
    {
        var c = _config;
        int headDim = c.HeadDimension, kvDim = c.KvDimension, group = c.HeadCount / c.KvHeadCount;
        var count = position + 1;
        var keys = cache.Keys(layer, count);
        var values = cache.Values(layer, count);
        var scores = state.Scores.AsSpan(0, count);
        var output = state.Attention.AsSpan();
        output.Clear();

        for (var h = 0; h < c.HeadCount; h++)
        {
            var kvOffset = h / group * headDim;
            var q = state.Query.AsSpan(h * headDim, headDim);
            for (var t = 0; t < count; t++)
                scores[t] = TensorPrimitives.Dot(q, keys.Slice(t * kvDim + kvOffset, headDim)) * _attentionScale;

            // Softmax with the maximum subtracted first, so exp never overflows.
            var max = TensorPrimitives.Max(scores);
            TensorPrimitives.Subtract(scores, max, scores);
            TensorPrimitives.Exp(scores, scores);
            TensorPrimitives.Divide(scores, TensorPrimitives.Sum(scores), scores);

            var head = output.Slice(h * headDim, headDim);
            for (var t = 0; t < count; t++)
                TensorPrimitives.MultiplyAdd(values.Slice(t * kvDim + kvOffset, headDim), scores[t], head, head);
        }
    }
}
