namespace BitNet.Runtime.Model;

/// <summary>How the input of every BitLinear projection is treated before the ternary product.</summary>
public enum ActivationQuantization
{
    /// <summary>
    /// Activations stay in float: what llama.cpp computes on F16/F32 ternary weights. Reproduces the reference
    /// logits to ~1e-5 and its greedy tokens exactly.
    /// </summary>
    None = 0,

    /// <summary>
    /// Per-token absmax int8 (scale 127 / max|x|, round half to even, clamp to [-128, 127]): the training and
    /// Hugging Face semantics of BitNet b1.58.
    /// </summary>
    Int8PerToken = 1,

    /// <summary>
    /// ggml's Q8_K semantics, which llama.cpp applies to the inputs of TQ1_0/TQ2_0 weights: the input is cut into
    /// 256-element blocks and each block gets its own scale, computed as ggml's <c>quantize_row_q8_K_ref</c> does.
    /// The element of largest magnitude (the first one on a tie) keeps its sign as <c>max</c>;
    /// iscale = −127 / max, q = min(127, nearest_int(iscale · x)) with nearest_int rounding half to even, and the
    /// block's dequantization step is d = 1 / iscale (negative when <c>max</c> is positive; d · q ≈ x either way).
    /// An all-zero block gets d = 0 and q = 0. Reproduces ggml's TQ1_0/TQ2_0 outputs.
    /// </summary>
    Int8PerBlock = 2,
}
