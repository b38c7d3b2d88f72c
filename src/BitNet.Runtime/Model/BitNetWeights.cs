using BitNet.Runtime.Gguf;
using BitNet.Runtime.Memory;
using BitNet.Runtime.Weights;
using BitNet.Runtime.Weights.Float;

namespace BitNet.Runtime.Model;

/// <summary>All weights of a BitNet b1.58 model, loaded from GGUF and checked against the configuration's shapes.</summary>
/// <remarks>Ternary projections are repacked into <see cref="PackedTernaryMatrix"/>, all in one huge-page arena; the
/// embedding (and head) tables are copied into huge-page memory (<see cref="Weights.TokenEmbedding"/>). Native memory, freed by <see cref="Dispose"/>.</remarks>
public sealed class BitNetWeights : IDisposable
{
    private readonly WeightArena? _arena;

    private readonly TokenEmbedding? _requantizedHead;

    private BitNetWeights(TokenEmbedding tokenEmbedding, TokenEmbedding? output, TokenEmbedding? requantizedHead, float[] outputNorm, BitNetLayerWeights[] layers, WeightArena? arena)
    {
        _arena = arena;
        TokenEmbedding = tokenEmbedding;
        Output = output;
        _requantizedHead = requantizedHead;
        OutputNorm = outputNorm;
        Layers = layers;
    }

    /// <summary>The huge-page block holding every projection's codes.</summary>
    internal WeightArena? Arena => _arena;

    /// <summary>Token embedding, also the LM head unless the file has a separate <see cref="Output"/>.</summary>
    public TokenEmbedding TokenEmbedding { get; }

    /// <summary>
    /// The untied LM head (<c>output.weight</c>) when the file has one (BitNet b1.58 files normally do not) and it is
    /// used as stored; null when <see cref="HeadQuantization.Int8"/> re-encoded it (see <see cref="Head"/>).
    /// </summary>
    public TokenEmbedding? Output { get; }

    /// <summary>
    /// The LM head: the table re-encoded at load under <see cref="HeadQuantization.Int8"/>, else <see cref="Output"/>
    /// if present, else the tied <see cref="TokenEmbedding"/>.
    /// </summary>
    public TokenEmbedding Head => _requantizedHead ?? Output ?? TokenEmbedding;

    /// <summary>Bytes of the embedding and head tables the runtime holds (the head counted once when tied).</summary>
    public long TableBytes => TokenEmbedding.HeldBytes + (Output?.HeldBytes ?? 0) + (_requantizedHead?.HeldBytes ?? 0);

    /// <summary>The final RMSNorm weight.</summary>
    public float[] OutputNorm { get; }

    /// <summary>The transformer blocks.</summary>
    public IReadOnlyList<BitNetLayerWeights> Layers { get; }

    /// <summary>Bytes of packed ternary codes the runtime holds.</summary>
    public long TernaryBytes
    {
        get
        {
            long total = 0;
            foreach (var layer in Layers)
                foreach (var m in layer.Projections) total += m.ByteCount;
            return total;
        }
    }

    /// <summary>Loads every tensor the forward pass needs, checking names, shapes and types.</summary>
    /// <param name="file">The GGUF file.</param>
    /// <param name="config">The configuration read from it.</param>
    /// <param name="headQuantization">What the LM head multiplies (<see cref="HeadQuantization.Int8"/>: a float table re-encoded as Q8_0).</param>
    /// <exception cref="GgufFormatException">A tensor is missing, has the wrong shape, or holds invalid data.</exception>
    /// <exception cref="NotSupportedException">A tensor uses a storage type this engine cannot read.</exception>
    public static BitNetWeights Load(GgufFile file, BitNetConfig config, HeadQuantization headQuantization = HeadQuantization.AsStored) =>
        Load(file, config, headQuantization, lookupLayout: false, threads: 1);

    /// <summary>
    /// Loads the weights; with <paramref name="lookupLayout"/>, each projection is re-encoded into
    /// <see cref="LookupTernaryCodes"/> right after it is read (for <see cref="Kernels.KernelPath.Avx512Lookup"/>), so that
    /// only one matrix at a time exists in both layouts. Each matrix is then laid out for the decode step that reads it
    /// (q/k/v stacked, the output projection, gate/up stacked, the down projection, as <see cref="BitNetForward"/> runs
    /// them) on <paramref name="threads"/> threads: every thread's share of rows is one contiguous region.
    /// </summary>
    internal static BitNetWeights Load(GgufFile file, BitNetConfig config, HeadQuantization headQuantization, bool lookupLayout, int threads)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(config);
        int d = config.EmbeddingLength, kv = config.KvDimension, ff = config.FeedForwardLength;

        var embeddingTensor = Expect(file, "token_embd.weight", d, config.VocabularySize);
        // Some conversions write the head separately (bitnet-b1.58-2B-4T's own GGUF does not; docs/formats.md).
        var outputTensor = file.HasTensor("output.weight") ? Expect(file, "output.weight", d, config.VocabularySize) : null;
        var headTensor = outputTensor ?? embeddingTensor;
        var requantize = headQuantization == HeadQuantization.Int8 && FloatTensorReader.IsFloat(headTensor.Type);
        TokenEmbedding? embedding = null, output = null, requantizedHead = null;
        float[] outputNorm;
        try
        {
            if (requantize)
            {
                // The re-encoding reads and checks every row first, so a tied F16/F32 table can then serve lookups in place.
                requantizedHead = TokenEmbedding.RequantizedToQ8_0(file, headTensor);
                embedding = outputTensor is null && embeddingTensor.Type is GgufTensorType.F16 or GgufTensorType.F32
                    ? TokenEmbedding.LookupInPlace(file, embeddingTensor)
                    : new TokenEmbedding(file, embeddingTensor);
            }
            else
            {
                embedding = new TokenEmbedding(file, embeddingTensor);
                if (outputTensor is not null) output = new TokenEmbedding(file, outputTensor);
            }
            outputNorm = Vector(file, "output_norm.weight", d);
        }
        catch
        {
            requantizedHead?.Dispose();
            output?.Dispose();
            embedding?.Dispose();
            throw;
        }

        // Every projection's codes go into one huge-page block in forward-pass order: decode streams all of them per
        // token, and on 4 KiB pages the TLB misses cost more than the reads on a virtual machine (see LargePages).
        var perLayer = lookupLayout
            ? LookupTernaryCodes.BytesFor(d, d) * 2 + LookupTernaryCodes.BytesFor(kv, d) * 2 +
              LookupTernaryCodes.BytesFor(ff, d) * 2 + LookupTernaryCodes.BytesFor(d, ff)
            : PackedTernaryMatrix.BytesFor(d, d) * 2 + PackedTernaryMatrix.BytesFor(kv, d) * 2 +
              PackedTernaryMatrix.BytesFor(ff, d) * 2 + PackedTernaryMatrix.BytesFor(d, ff);
        var arena = new WeightArena(perLayer * config.BlockCount + 64 * 7 * config.BlockCount);
        // In the lookup layout the 2-bit matrices are transient (own memory, freed once re-encoded into the arena).
        var lookupArena = lookupLayout ? arena : null;
        int paddedD = PackedTernaryMatrix.PadColumns(d), paddedFF = PackedTernaryMatrix.PadColumns(ff);
        int[] attention = [d, kv, kv], single = [d], feedForward = [ff, ff];
        int[] Splits(int[] stack, int columns, int index) =>
            lookupLayout ? Kernels.Ternary.TernaryGemv.LookupSplits(stack, columns, index, threads) : [];
        int[] querySplits = Splits(attention, paddedD, 0), keySplits = Splits(attention, paddedD, 1), valueSplits = Splits(attention, paddedD, 2);
        int[] outputSplits = Splits(single, paddedD, 0), gateSplits = Splits(feedForward, paddedD, 0), upSplits = Splits(feedForward, paddedD, 1);
        int[] downSplits = Splits(single, paddedFF, 0);
        var layers = new BitNetLayerWeights[config.BlockCount];
        try
        {
            using var scope = PackedTernaryMatrix.AllocateIn(lookupLayout ? null : arena);
            for (var i = 0; i < layers.Length; i++)
            {
                var p = $"blk.{i}.";
                layers[i] = new BitNetLayerWeights
                {
                    AttentionNorm = Vector(file, p + "attn_norm.weight", d),
                    Query = Ternary(file, p + "attn_q.weight", d, d, lookupArena, querySplits),
                    Key = Ternary(file, p + "attn_k.weight", d, kv, lookupArena, keySplits),
                    Value = Ternary(file, p + "attn_v.weight", d, kv, lookupArena, valueSplits),
                    AttentionSubNorm = Vector(file, p + "attn_sub_norm.weight", d),
                    Output = Ternary(file, p + "attn_output.weight", d, d, lookupArena, outputSplits),
                    FeedForwardNorm = Vector(file, p + "ffn_norm.weight", d),
                    Gate = Ternary(file, p + "ffn_gate.weight", d, ff, lookupArena, gateSplits),
                    Up = Ternary(file, p + "ffn_up.weight", d, ff, lookupArena, upSplits),
                    FeedForwardSubNorm = Vector(file, p + "ffn_sub_norm.weight", ff),
                    Down = Ternary(file, p + "ffn_down.weight", ff, d, lookupArena, downSplits),
                };
            }
        }
        catch
        {
            foreach (var layer in layers) layer?.Dispose();
            arena.Dispose();
            requantizedHead?.Dispose();
            output?.Dispose();
            embedding.Dispose();
            throw;
        }
        return new BitNetWeights(embedding, output, requantizedHead, outputNorm, layers, arena);
    }

    /// <summary>Frees the packed matrices and the embedding table.</summary>
    public void Dispose()
    {
        foreach (var layer in Layers) layer.Dispose();
        _arena?.Dispose();
        _requantizedHead?.Dispose();
        Output?.Dispose();
        TokenEmbedding.Dispose();
    }

    private static GgufTensorInfo Expect(GgufFile file, string name, long ne0, long ne1)
    {
        var t = file.GetTensor(name);
        var ok = t.Dimensions.Count <= 2 && t.Dimensions[0] == ne0 && (t.Dimensions.Count == 1 ? ne1 == 1 : t.Dimensions[1] == ne1);
        if (!ok)
            throw new GgufFormatException(name, t.DataOffset, $"expected shape [{ne0}{(ne1 == 1 ? "" : $", {ne1}")}] from the model's hyper-parameters, found [{string.Join(", ", t.Dimensions)}].", file.SourceName);
        return t;
    }

    private static float[] Vector(GgufFile file, string name, long length)
    {
        var t = Expect(file, name, length, 1);
        if (!FloatTensorReader.IsFloat(t.Type))
            throw new NotSupportedException($"Tensor '{name}' is stored as {t.Type}; norm weights must be F32, F16 or BF16.");
        return FloatTensorReader.ReadAll(file, t);
    }

    private static PackedTernaryMatrix Ternary(GgufFile file, string name, int inFeatures, int outFeatures, WeightArena? lookupArena, int[] splits)
    {
        var tensor = Expect(file, name, inFeatures, outFeatures);
        var matrix = TernaryWeights.Load(file, tensor);
        file.DropTensorPages(tensor); // repacked: the file's copy need not stay resident
        if (lookupArena is not null) matrix.UseLookupLayout(lookupArena, splits);
        return matrix;
    }
}
