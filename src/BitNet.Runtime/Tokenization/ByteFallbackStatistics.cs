using System.Text;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// How a text tokenizes: its UTF-8 bytes, its tokens, and how many of those are byte-fallback tokens (SentencePiece's
/// <c>&lt;0xXX&gt;</c> pieces, one per byte of a character the vocabulary lacks). A high byte-token rate means text the
/// model mostly saw as raw bytes, and each such character costs several positions of context.
/// </summary>
/// <param name="Bytes">UTF-8 bytes of the text.</param>
/// <param name="Tokens">Tokens, without the beginning-of-sequence token.</param>
/// <param name="ByteTokens">Tokens that are byte-fallback pieces.</param>
public readonly record struct ByteFallbackStatistics(long Bytes, long Tokens, long ByteTokens)
{
    /// <summary>Byte tokens / all tokens (0 for no tokens).</summary>
    public double ByteTokenRate => Tokens == 0 ? 0 : (double)ByteTokens / Tokens;

    /// <summary>Tokens / UTF-8 bytes (0 for no bytes).</summary>
    public double TokensPerByte => Bytes == 0 ? 0 : (double)Tokens / Bytes;

    /// <summary>Tokenizes <paramref name="text"/> (without the beginning-of-sequence token) and counts.</summary>
    public static ByteFallbackStatistics Measure(BitNetTokenizer tokenizer, string text)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(text);
        var ids = tokenizer.Encode(text, addBos: false);
        var byteTokens = 0;
        foreach (var id in ids)
            if (tokenizer.IsByte(id)) byteTokens++;
        return new ByteFallbackStatistics(Encoding.UTF8.GetByteCount(text), ids.Length, byteTokens);
    }

    /// <summary>The totals of two measurements.</summary>
    public static ByteFallbackStatistics operator +(ByteFallbackStatistics left, ByteFallbackStatistics right) =>
        new(left.Bytes + right.Bytes, left.Tokens + right.Tokens, left.ByteTokens + right.ByteTokens);

    /// <summary>The totals of two measurements.</summary>
    public static ByteFallbackStatistics Add(ByteFallbackStatistics left, ByteFallbackStatistics right) => left + right;
}
