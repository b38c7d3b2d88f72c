using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Model;

/// <summary>The weights of one transformer block (names follow the GGUF tensors <c>blk.N.*</c>).</summary>
public sealed class BitNetLayerWeights : IDisposable
{
    /// <summary><c>attn_norm</c>: RMSNorm before attention.</summary>
    public required float[] AttentionNorm { get; init; }

    /// <summary><c>attn_q</c>.</summary>
    public required PackedTernaryMatrix Query { get; init; }

    /// <summary><c>attn_k</c>.</summary>
    public required PackedTernaryMatrix Key { get; init; }

    /// <summary><c>attn_v</c>.</summary>
    public required PackedTernaryMatrix Value { get; init; }

    /// <summary><c>attn_sub_norm</c>: RMSNorm of the attention output, before <c>attn_output</c>.</summary>
    public required float[] AttentionSubNorm { get; init; }

    /// <summary><c>attn_output</c>.</summary>
    public required PackedTernaryMatrix Output { get; init; }

    /// <summary><c>ffn_norm</c>: RMSNorm before the feed-forward block.</summary>
    public required float[] FeedForwardNorm { get; init; }

    /// <summary><c>ffn_gate</c>.</summary>
    public required PackedTernaryMatrix Gate { get; init; }

    /// <summary><c>ffn_up</c>.</summary>
    public required PackedTernaryMatrix Up { get; init; }

    /// <summary><c>ffn_sub_norm</c>: RMSNorm of the gated hidden state, before <c>ffn_down</c>.</summary>
    public required float[] FeedForwardSubNorm { get; init; }

    /// <summary><c>ffn_down</c>.</summary>
    public required PackedTernaryMatrix Down { get; init; }

    /// <summary>The seven ternary projections.</summary>
    public IEnumerable<PackedTernaryMatrix> Projections => [Query, Key, Value, Output, Gate, Up, Down];

    /// <summary>Frees the packed matrices.</summary>
    public void Dispose()
    {
        foreach (var m in Projections) m.Dispose();
    }
}
