using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using BitNet.Runtime.Tokenization;

namespace BitNet.Runtime.Constraints;

/// <summary>
/// What token masks need to know about a tokenizer's vocabulary, computed once per tokenizer and shared by every
/// grammar and generation: each token's bytes as generated text (SentencePiece's "▁" a space, <c>&lt;0xXX&gt;</c> its
/// byte), a trie of all tokens, and the split that makes string content cheap (see <see cref="StringSafe"/>).
/// </summary>
internal sealed class ConstraintVocabulary
{
    private static readonly ConditionalWeakTable<BitNetTokenizer, ConstraintVocabulary> s_cache = [];

    private ConstraintVocabulary(BitNetTokenizer tokenizer)
    {
        Size = tokenizer.VocabularySize;
        TokenBytes = new byte[Size][];
        for (var id = 0; id < Size; id++)
        {
            // Control pieces decode to nothing; end-of-generation ids are allowed separately. A token that can appear in
            // no JSON text (not a fragment of valid UTF-8, or a control character other than whitespace) is left out of
            // every walk.
            var bytes = tokenizer.IsControl(id) ? [] : tokenizer.GetContinuationBytes(id);
            TokenBytes[id] = CanAppearInJson(bytes) ? bytes : [];
        }

        EndIds = [.. tokenizer.EndOfGenerationIds];
        All = new TokenByteTrie(TokenBytes, Enumerable.Range(0, Size));

        StringSafe = new uint[(Size + 31) / 32];
        var other = new List<int>();
        for (var id = 0; id < Size; id++)
        {
            if (IsPlainStringText(TokenBytes[id])) StringSafe[id >> 5] |= 1u << (id & 31);
            else other.Add(id);
        }

        StringOther = new TokenByteTrie(TokenBytes, other);
        MaxTokenLength = All.MaxDepth;
    }

    /// <summary>The number of tokens.</summary>
    public int Size { get; }

    /// <summary>
    /// Each token's bytes in generated text; empty (never allowed) for control and unknown pieces and for tokens that are
    /// cannot appear in JSON text (see <see cref="CanAppearInJson"/>).
    /// </summary>
    public byte[][] TokenBytes { get; }

    /// <summary>The ids that end generation.</summary>
    public int[] EndIds { get; }

    /// <summary>Every token with bytes.</summary>
    public TokenByteTrie All { get; }

    /// <summary>
    /// One bit per token whose bytes are whole UTF-8 characters with no quote, backslash or control character: inside a
    /// string such a token is always allowed and leaves the parser where it was, whatever the grammar, so a mask in a
    /// string copies these bits and walks only <see cref="StringOther"/>.
    /// </summary>
    public uint[] StringSafe { get; }

    /// <summary>The tokens with bytes that are not in <see cref="StringSafe"/>.</summary>
    public TokenByteTrie StringOther { get; }

    /// <summary>The longest token, in bytes.</summary>
    public int MaxTokenLength { get; }

    /// <summary>The tables of <paramref name="tokenizer"/>, built on first use.</summary>
    public static ConstraintVocabulary For(BitNetTokenizer tokenizer) => s_cache.GetValue(tokenizer, t => new ConstraintVocabulary(t));

    /// <summary>
    /// Whether the bytes can be part of a JSON text: no control character but whitespace, and valid UTF-8 apart from up
    /// to three continuation bytes that may end a character begun before and a character that may be completed after.
    /// </summary>
    private static bool CanAppearInJson(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
            if (b < 0x20 && b is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')) return false;

        var start = 0;
        while (start < bytes.Length && start < 3 && (bytes[start] & 0xC0) == 0x80) start++;
        var rest = bytes[start..];
        while (!rest.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(rest, out _, out var consumed);
            if (status == OperationStatus.NeedMoreData) return true;   // a character cut at the end
            if (status != OperationStatus.Done) return false;
            rest = rest[consumed..];
        }

        return true;
    }

    private static bool IsPlainStringText(byte[] bytes)
    {
        if (bytes.Length == 0 || !Utf8.IsValid(bytes)) return false;
        foreach (var b in bytes)
            if (b is (byte)'"' or (byte)'\\' or < 0x20) return false;
        return true;
    }
}
