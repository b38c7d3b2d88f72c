namespace BitNet.Runtime.Model;

/// <summary>The gate activation of the feed-forward block.</summary>
public enum FeedForwardActivation
{
    /// <summary><c>relu(gate)² · up</c>: BitNet b1.58 2B4T (<c>hidden_act: relu2</c>).</summary>
    ReluSquared = 0,

    /// <summary><c>silu(gate) · up</c>: the 2024 1bitLLM bitnet_b1_58 models.</summary>
    Silu = 1,
}
