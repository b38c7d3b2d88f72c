using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Model;

/// <summary>The hyper-parameters of a BitNet b1.58 model, read from GGUF metadata and validated.</summary>
public sealed record BitNetConfig
{
    /// <summary>The architectures this engine runs: llama.cpp's name and bitnet.cpp's two names for the same model family.</summary>
    public static IReadOnlyList<string> SupportedArchitectures { get; } = ["bitnet", "bitnet-b1.58", "bitnet-25"];

    /// <summary>The GGUF <c>general.architecture</c>.</summary>
    public required string Architecture { get; init; }

    /// <summary>Vocabulary size (rows of the token embedding).</summary>
    public required int VocabularySize { get; init; }

    /// <summary>Hidden size (<c>embedding_length</c>).</summary>
    public required int EmbeddingLength { get; init; }

    /// <summary>Number of transformer blocks.</summary>
    public required int BlockCount { get; init; }

    /// <summary>Query heads.</summary>
    public required int HeadCount { get; init; }

    /// <summary>Key/value heads (grouped-query attention: query head h reads KV head h / (HeadCount / KvHeadCount)).</summary>
    public required int KvHeadCount { get; init; }

    /// <summary>Feed-forward inner size.</summary>
    public required int FeedForwardLength { get; init; }

    /// <summary>The context length the model was trained for.</summary>
    public required int ContextLength { get; init; }

    /// <summary>RoPE base frequency (theta).</summary>
    public required float RopeTheta { get; init; }

    /// <summary>RMSNorm epsilon.</summary>
    public required float RmsNormEpsilon { get; init; }

    /// <summary>The feed-forward gate activation.</summary>
    public required FeedForwardActivation Activation { get; init; }

    /// <summary>Size of one attention head.</summary>
    public int HeadDimension => EmbeddingLength / HeadCount;

    /// <summary>Width of the K and V projections.</summary>
    public int KvDimension => KvHeadCount * HeadDimension;

    /// <summary>Reads and validates the configuration from a GGUF file's metadata.</summary>
    /// <exception cref="NotSupportedException">The architecture or activation is not one this engine runs.</exception>
    /// <exception cref="GgufFormatException">A required key is missing, mistyped or out of range.</exception>
    public static BitNetConfig FromGguf(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var meta = file.Metadata;
        var arch = meta.GetStringOrDefault("general.architecture")
                   ?? throw new GgufFormatException("general.architecture", -1, "the key is missing, so the model type is unknown.", file.SourceName);
        if (!SupportedArchitectures.Contains(arch))
            throw new NotSupportedException(
                $"The model '{file.SourceName}' has architecture '{arch}', which this engine does not run. Supported architectures: {string.Join(", ", SupportedArchitectures)}.");

        var embedding = Positive(file, $"{arch}.embedding_length");
        var heads = Positive(file, $"{arch}.attention.head_count");
        var activationName = meta.GetStringOrDefault($"{arch}.hidden_activation", "relu2")!;
        var config = new BitNetConfig
        {
            Architecture = arch,
            EmbeddingLength = embedding,
            BlockCount = Positive(file, $"{arch}.block_count"),
            HeadCount = heads,
            KvHeadCount = meta.ContainsKey($"{arch}.attention.head_count_kv") ? Positive(file, $"{arch}.attention.head_count_kv") : heads,
            FeedForwardLength = Positive(file, $"{arch}.feed_forward_length"),
            ContextLength = Positive(file, $"{arch}.context_length"),
            RopeTheta = (float)meta.GetDoubleOrDefault($"{arch}.rope.freq_base", 10000.0),
            RmsNormEpsilon = (float)meta.GetDoubleOrDefault($"{arch}.attention.layer_norm_rms_epsilon", 1e-5),
            // 2B4T's real GGUFs have no vocab_size key: the token embedding's row count is the truth then.
            VocabularySize = meta.ContainsKey($"{arch}.vocab_size")
                ? Positive(file, $"{arch}.vocab_size")
                : checked((int)file.GetTensor("token_embd.weight").RowCount),
            // llama.cpp falls back to SiLU here, which is wrong for 2B4T; relu² is the family's activation (see MODEL_CARD.md).
            Activation = activationName switch
            {
                "relu2" or "relu_squared" or "relu²" => FeedForwardActivation.ReluSquared,
                "silu" or "swiglu" => FeedForwardActivation.Silu,
                _ => throw new NotSupportedException($"The model '{file.SourceName}' uses feed-forward activation '{activationName}'; supported: relu2, silu."),
            },
        };
        config.Validate(file.SourceName);
        return config;
    }

    /// <summary>Checks that the dimensions are consistent with each other.</summary>
    /// <exception cref="GgufFormatException">They are not.</exception>
    public void Validate(string? source = null)
    {
        if (EmbeddingLength % HeadCount != 0)
            throw new GgufFormatException($"{Architecture}.attention.head_count", -1, $"the embedding length {EmbeddingLength} is not divisible by {HeadCount} heads.", source);
        if (HeadCount % KvHeadCount != 0)
            throw new GgufFormatException($"{Architecture}.attention.head_count_kv", -1, $"{HeadCount} query heads cannot be grouped over {KvHeadCount} KV heads.", source);
        if (HeadDimension % 2 != 0)
            throw new GgufFormatException($"{Architecture}.attention.head_count", -1, $"the head dimension {HeadDimension} must be even for rotary embeddings.", source);
        if (!float.IsFinite(RopeTheta) || RopeTheta <= 1)
            throw new GgufFormatException($"{Architecture}.rope.freq_base", -1, $"expected a finite value above 1, found {RopeTheta}.", source);
        if (!float.IsFinite(RmsNormEpsilon) || RmsNormEpsilon <= 0 || RmsNormEpsilon > 1)
            throw new GgufFormatException($"{Architecture}.attention.layer_norm_rms_epsilon", -1, $"expected a value in (0, 1], found {RmsNormEpsilon}.", source);
    }

    // Hyper-parameters are bounded so that a hostile file cannot make the engine allocate absurd scratch buffers.
    private static int Positive(GgufFile file, string key)
    {
        var value = file.Metadata[key];
        var v = value.AsInt64();
        if (v is < 1 or > 1 << 24)
            throw new GgufFormatException(key, value.Offset, $"expected a positive integer up to {1 << 24}, found {v}.", file.SourceName);
        return (int)v;
    }
}
