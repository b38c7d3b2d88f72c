using BitNet.Runtime.Gguf;
using BitNet.Runtime.Weights;
using BitNet.Runtime.Weights.Float;

namespace BitNet.Runtime.Model;

/// <summary>All weights of a BitNet b1.58 model, loaded from GGUF and checked against the configuration's shapes.</summary>
public sealed class BitNetWeights
{
    private BitNetWeights(float[] tokenEmbedding, float[] outputNorm, BitNetLayerWeights[] layers)
    {
        TokenEmbedding = tokenEmbedding;
        OutputNorm = outputNorm;
        Layers = layers;
    }

    /// <summary>Token embedding, [vocabulary × embedding], row-major. Also the LM head (tied).</summary>
    public float[] TokenEmbedding { get; }

    /// <summary>The final RMSNorm weight.</summary>
    public float[] OutputNorm { get; }

    /// <summary>The transformer blocks.</summary>
    public IReadOnlyList<BitNetLayerWeights> Layers { get; }

    /// <summary>Loads every tensor the forward pass needs, checking names, shapes and types.</summary>
    /// <exception cref="GgufFormatException">A tensor is missing or has the wrong shape.</exception>
    /// <exception cref="NotSupportedException">A tensor uses a storage type this engine cannot read yet.</exception>
    public static BitNetWeights Load(GgufFile file, BitNetConfig config)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(config);
        int d = config.EmbeddingLength, kv = config.KvDimension, ff = config.FeedForwardLength;

        var embedding = Vector(file, "token_embd.weight", d, config.VocabularySize);
        if (file.HasTensor("output.weight"))
            throw new NotSupportedException($"The model '{file.SourceName}' has an untied output.weight; BitNet b1.58 ties the LM head to the token embedding and this engine expects that.");
        var outputNorm = Vector(file, "output_norm.weight", d);

        var layers = new BitNetLayerWeights[config.BlockCount];
        for (var i = 0; i < layers.Length; i++)
        {
            var p = $"blk.{i}.";
            layers[i] = new BitNetLayerWeights
            {
                AttentionNorm = Vector(file, p + "attn_norm.weight", d),
                Query = Ternary(file, p + "attn_q.weight", d, d),
                Key = Ternary(file, p + "attn_k.weight", d, kv),
                Value = Ternary(file, p + "attn_v.weight", d, kv),
                AttentionSubNorm = Vector(file, p + "attn_sub_norm.weight", d),
                Output = Ternary(file, p + "attn_output.weight", d, d),
                FeedForwardNorm = Vector(file, p + "ffn_norm.weight", d),
                Gate = Ternary(file, p + "ffn_gate.weight", d, ff),
                Up = Ternary(file, p + "ffn_up.weight", d, ff),
                FeedForwardSubNorm = Vector(file, p + "ffn_sub_norm.weight", ff),
                Down = Ternary(file, p + "ffn_down.weight", ff, d),
            };
        }
        return new BitNetWeights(embedding, outputNorm, layers);
    }

    private static GgufTensorInfo Expect(GgufFile file, string name, long ne0, long ne1)
    {
        var t = file.GetTensor(name);
        var ok = t.Dimensions.Count <= 2 && t.Dimensions[0] == ne0 && (t.Dimensions.Count == 1 ? ne1 == 1 : t.Dimensions[1] == ne1);
        if (!ok)
            throw new GgufFormatException(name, t.DataOffset, $"expected shape [{ne0}{(ne1 == 1 ? "" : $", {ne1}")}] from the model's hyper-parameters, found [{string.Join(", ", t.Dimensions)}].", file.SourceName);
        if (!FloatTensorReader.IsFloat(t.Type))
            throw new NotSupportedException($"Tensor '{name}' is stored as {t.Type}; this engine currently reads F32, F16 and BF16 weights. Packed ternary formats (I2_S, TQ1_0, TQ2_0) come with the ternary kernels.");
        return t;
    }

    private static float[] Vector(GgufFile file, string name, long ne0, long ne1 = 1) =>
        FloatTensorReader.ReadAll(file, Expect(file, name, ne0, ne1));

    private static TernaryMatrix Ternary(GgufFile file, string name, int inFeatures, int outFeatures) =>
        FloatTensorReader.ReadTernary(file, Expect(file, name, inFeatures, outFeatures));
}
