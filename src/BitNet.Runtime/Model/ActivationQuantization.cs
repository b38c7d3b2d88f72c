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
}
