using Microsoft.ML.Tokenizers;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// One kind of tokenizer behind <see cref="BitNetTokenizer"/>: SentencePiece BPE (<see cref="SentencePieceBackend"/>)
/// or byte-level BPE (<see cref="ByteLevelBpeBackend"/>). The facade adds what they share: beginning-of-sequence
/// handling, end-of-generation ids, argument checks and streaming.
/// </summary>
internal abstract class TokenizerBackend
{
    /// <summary>The Microsoft.ML.Tokenizers object the backend is built on.</summary>
    public abstract Tokenizer Inner { get; }

    /// <summary>The number of ids.</summary>
    public abstract int Count { get; }

    /// <summary>The decoder shared by whole-sequence and streaming decoding.</summary>
    public abstract TokenDecoder Decoder { get; }

    /// <summary>The byte-level pre-tokenizer's name, or null for SentencePiece.</summary>
    public virtual string? PreTokenizerName => null;

    /// <summary>Appends the ids of a non-empty <paramref name="text"/> (no beginning-of-sequence id).</summary>
    public abstract void Encode(string text, List<int> ids);

    /// <summary>The vocabulary text of an id (checked by the caller).</summary>
    public abstract string GetPieceText(int id);

    /// <summary>Whether the id is a control token (checked by the caller).</summary>
    public abstract bool IsControl(int id);

    /// <summary>Whether the id is a byte-fallback piece (checked by the caller).</summary>
    public abstract bool IsByte(int id);

    /// <summary>The id of a vocabulary text, or -1.</summary>
    public abstract int FindPiece(string text);
}
