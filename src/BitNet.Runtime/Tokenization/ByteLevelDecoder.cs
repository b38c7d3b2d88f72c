using System.Text;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// Turns byte-level BPE ids back into text: each ordinary token stands for the bytes its characters map to in GPT-2's
/// byte alphabet, and the bytes of consecutive tokens are read as UTF-8, so a character split across tokens (an emoji,
/// CJK, an accent) is emitted when its last byte arrives. Control tokens (<c>&lt;|eot_id|&gt;</c>) decode to nothing;
/// user-defined tokens to their text as stored.
/// </summary>
/// <remarks>A byte that cannot be part of a well-formed sequence becomes one U+FFFD, as in the SentencePiece decoder.
/// Valid text therefore round-trips: <c>Decode(Encode(x)) == x</c>.</remarks>
internal sealed class ByteLevelDecoder : TokenDecoder
{
    private readonly byte[][] _bytes;      // the bytes of each token (empty for control tokens)
    private readonly string?[] _texts;     // the text of a token whose bytes are whole characters, else null

    public ByteLevelDecoder(ByteLevelVocabulary vocabulary)
    {
        var count = vocabulary.Tokens.Length;
        _bytes = new byte[count][];
        _texts = new string?[count];
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        for (var id = 0; id < count; id++)
        {
            var token = vocabulary.Tokens[id];
            switch (vocabulary.Types[id])
            {
                case ByteLevelVocabulary.TokenType.Control:
                    _bytes[id] = [];
                    _texts[id] = "";
                    break;
                case ByteLevelVocabulary.TokenType.UserDefined:
                    _bytes[id] = Encoding.UTF8.GetBytes(token);
                    _texts[id] = token;
                    break;
                default:
                    _bytes[id] = ByteLevelAlphabet.TryDecode(token)!;   // checked by ByteLevelVocabulary
                    _texts[id] = TryGetWholeText(strict, _bytes[id]);
                    break;
            }
        }
    }

    public override int Count => _bytes.Length;

    /// <inheritdoc />
    public override byte[] GetContinuationBytes(int id)
    {
        CheckId(id);
        return _bytes[id];
    }

    /// <inheritdoc />
    public override string Step(ref TokenDecodeState state, int id, StringBuilder bytesText)
    {
        CheckId(id);
        var text = _texts[id];
        if (state.PendingCount == 0 && text is not null)
        {
            if (text.Length > 0) state.AnyText = true;
            return text;
        }

        var bytes = _bytes[id];
        if (bytes.Length == 0)
        {
            // A control token ends a byte run: a character it interrupts can no longer be completed.
            DrainBytes(ref state, bytesText, endOfRun: true);
            return "";
        }
        foreach (var b in bytes)
        {
            state.Push(b);
            DrainBytes(ref state, bytesText, endOfRun: false);
        }
        return "";
    }

    private static string? TryGetWholeText(UTF8Encoding strict, byte[] bytes)
    {
        try
        {
            return strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
