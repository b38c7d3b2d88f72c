namespace BitNet.Runtime.Synthesis;

/// <summary>The kind of tokenizer vocabulary a synthetic model carries.</summary>
public enum SyntheticVocabularyKind
{
    /// <summary>SentencePiece BPE with byte fallback (<c>tokenizer.ggml.model = llama</c>), as the TinyStories model: <see cref="SyntheticVocabulary"/>.</summary>
    SentencePiece,

    /// <summary>Byte-level BPE with Llama-3 special tokens (<c>tokenizer.ggml.model = gpt2</c>), as 2B4T: <see cref="SyntheticByteLevelVocabulary"/>.</summary>
    ByteLevel,
}
