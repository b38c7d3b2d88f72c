using System.Text;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// Turns ids back into text one id at a time, so that whole-sequence decoding (<see cref="BitNetTokenizer.Decode"/>) and
/// streaming (<see cref="StreamingDetokenizer"/>) share one implementation per tokenizer kind and cannot drift apart.
/// Bytes that do not yet form a whole UTF-8 character are held back in the <see cref="TokenDecodeState"/>.
/// </summary>
internal abstract class TokenDecoder
{
    /// <summary>The number of ids in the vocabulary.</summary>
    public abstract int Count { get; }

    /// <summary>
    /// Decodes one id. Text that became final is written in two parts, in this order: bytes completed by this id (or
    /// flushed because a byte run ended) are appended to <paramref name="bytesText"/>, and the rest is returned (a cached
    /// string, so an ordinary token costs no allocation).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public abstract string Step(ref TokenDecodeState state, int id, StringBuilder bytesText);

    /// <summary>
    /// The bytes an id adds to a text it continues (not at its beginning): empty for control and unknown pieces, the
    /// byte of a byte piece, the UTF-8 of any other piece (SentencePiece's U+2581 as a space). Grammar constraints read it.
    /// </summary>
    public abstract byte[] GetContinuationBytes(int id);

    /// <summary>Ends the current byte run: held-back bytes of an unfinished sequence become U+FFFD, one per byte.</summary>
    public static void Flush(ref TokenDecodeState state, StringBuilder text)
    {
        if (state.PendingCount > 0) DrainBytes(ref state, text, endOfRun: true);
    }

    /// <summary>Emits the held-back bytes that form complete characters (or, at the end of a run, U+FFFD for the rest).</summary>
    protected static void DrainBytes(ref TokenDecodeState state, StringBuilder text, bool endOfRun)
    {
        Span<byte> bytes = stackalloc byte[TokenDecodeState.MaxPending + 1];
        var count = state.CopyPending(bytes);
        var start = 0;
        while (start < count)
        {
            var result = Utf8Scanner.Scan(bytes[start..count], out var codePoint, out var consumed);
            if (result == Utf8Scanner.Result.Incomplete && !endOfRun) break;
            if (result == Utf8Scanner.Result.Complete)
            {
                AppendCodePoint(text, codePoint);
                start += consumed;
            }
            else
            {
                text.Append('\uFFFD');
                start++;
            }
            state.AnyText = true;
        }
        state.SetPending(bytes[start..count]);
    }

    /// <summary>Throws when <paramref name="id"/> is outside the vocabulary.</summary>
    protected void CheckId(int id)
    {
        if ((uint)id >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is outside the vocabulary (0..{Count - 1}).");
    }

    private static void AppendCodePoint(StringBuilder text, int codePoint)
    {
        if (codePoint < 0x10000)
        {
            text.Append((char)codePoint);
        }
        else
        {
            var v = codePoint - 0x10000;
            text.Append((char)(0xD800 + (v >> 10)));
            text.Append((char)(0xDC00 + (v & 0x3FF)));
        }
    }
}
