namespace BitNet.Runtime.Model;

/// <summary>The per-token work between the batched products of one layer in <see cref="BitNetForward.Prefill"/>.</summary>
internal enum PrefillStep
{
    /// <summary>Attention pre-norm and int8 quantization of the q/k/v input.</summary>
    AttentionInput,

    /// <summary>Rotary embedding of q and k; k and v into the cache.</summary>
    RotateAndCache,

    /// <summary>Attention sub-norm and quantization of the output projection's input.</summary>
    OutputInput,

    /// <summary>The attention residual, the feed-forward pre-norm and quantization of the gate/up input.</summary>
    FeedForwardInput,

    /// <summary>relu(gate)² · up, the feed-forward sub-norm and quantization of the down projection's input.</summary>
    DownInput,

    /// <summary>The feed-forward residual.</summary>
    Residual,
}
