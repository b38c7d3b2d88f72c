namespace BitNet.Runtime.Synthesis;

/// <summary>The hyper-parameters of a synthetic BitNet b1.58 model: the shapes of its tensors and its context length.</summary>
public sealed record SyntheticModelShape
{
    /// <summary>The shapes of microsoft/bitnet-b1.58-2B-4T: vocabulary 128,256 (byte-level BPE), hidden 2560, 30 layers, 20/5 heads, FFN 6912, context 4096.</summary>
    public static SyntheticModelShape BitNet2B4T { get; } = new()
    {
        Name = "2b4t",
        VocabularySize = 128_256,
        EmbeddingLength = 2560,
        BlockCount = 30,
        HeadCount = 20,
        KvHeadCount = 5,
        FeedForwardLength = 6912,
        ContextLength = 4096,
        Vocabulary = SyntheticVocabularyKind.ByteLevel,
    };

    /// <summary>The shapes of the shipped TinyStories BitNet model: vocabulary 4096, hidden 256, 5 layers, 8/4 heads, FFN 512, context 256.</summary>
    public static SyntheticModelShape Tiny { get; } = new()
    {
        Name = "tiny",
        VocabularySize = 4096,
        EmbeddingLength = 256,
        BlockCount = 5,
        HeadCount = 8,
        KvHeadCount = 4,
        FeedForwardLength = 512,
        ContextLength = 256,
    };

    /// <summary>The named shapes, by <see cref="Name"/>.</summary>
    public static IReadOnlyList<SyntheticModelShape> Known { get; } = [BitNet2B4T, Tiny];

    /// <summary>A short name (<c>2b4t</c>, <c>tiny</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Vocabulary size (rows of the token embedding).</summary>
    public required int VocabularySize { get; init; }

    /// <summary>Hidden size.</summary>
    public required int EmbeddingLength { get; init; }

    /// <summary>Transformer blocks.</summary>
    public required int BlockCount { get; init; }

    /// <summary>Query heads.</summary>
    public required int HeadCount { get; init; }

    /// <summary>Key/value heads.</summary>
    public required int KvHeadCount { get; init; }

    /// <summary>Feed-forward inner size.</summary>
    public required int FeedForwardLength { get; init; }

    /// <summary>The trained context length written to the file (the default; options may override it).</summary>
    public required int ContextLength { get; init; }

    /// <summary>The kind of vocabulary the shape's models carry by default (2B4T: byte-level, as the real model; tiny: SentencePiece).</summary>
    public SyntheticVocabularyKind Vocabulary { get; init; } = SyntheticVocabularyKind.SentencePiece;

    /// <summary>Size of one attention head.</summary>
    public int HeadDimension => EmbeddingLength / HeadCount;

    /// <summary>Width of the K and V projections.</summary>
    public int KvDimension => KvHeadCount * HeadDimension;

    /// <summary>The known shape of this name (case-insensitive), or null.</summary>
    public static SyntheticModelShape? FromName(string? name) =>
        Known.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
