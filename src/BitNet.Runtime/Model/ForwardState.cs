namespace BitNet.Runtime.Model;

/// <summary>Scratch buffers for one sequence's forward pass, allocated once so that a token costs no allocation.</summary>
internal sealed class ForwardState
{
    public ForwardState(BitNetConfig config, int contextLength)
    {
        int d = config.EmbeddingLength, ff = config.FeedForwardLength;
        Hidden = new float[d];
        Normed = new float[d];
        Quantized = new float[Math.Max(d, ff)];
        Query = new float[d];
        Key = new float[config.KvDimension];
        Value = new float[config.KvDimension];
        Attention = new float[d];
        Projected = new float[d];
        Gate = new float[ff];
        Up = new float[ff];
        Scores = new float[contextLength];
        Logits = new float[config.VocabularySize];
    }

    /// <summary>The residual stream x.</summary>
    public float[] Hidden { get; }

    /// <summary>RMSNorm output (input of the next BitLinear).</summary>
    public float[] Normed { get; }

    /// <summary>Int8-quantized activations (as integer-valued floats) when activation quantization is on.</summary>
    public float[] Quantized { get; }

    public float[] Query { get; }

    public float[] Key { get; }

    public float[] Value { get; }

    /// <summary>Concatenated attention heads.</summary>
    public float[] Attention { get; }

    /// <summary>Output of attn_output / ffn_down before it joins the residual.</summary>
    public float[] Projected { get; }

    public float[] Gate { get; }

    public float[] Up { get; }

    /// <summary>Attention scores over the cached positions.</summary>
    public float[] Scores { get; }

    public float[] Logits { get; }
}
