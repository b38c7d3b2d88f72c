using System.Text;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// Decodes the ids of one sequence as they arrive, holding back the bytes of a UTF-8 character that byte tokens
/// (SentencePiece byte-fallback pieces, or byte-level BPE tokens that split a character) have not finished yet. Create one with <see cref="BitNetTokenizer.CreateStreamingDetokenizer()"/>.
/// </summary>
/// <remarks>
/// <para>The concatenation of every <see cref="Append"/> result followed by <see cref="Flush"/> equals
/// <see cref="BitNetTokenizer.Decode"/> of all the ids: both run the same decoder.</para>
/// <para>Not thread-safe: use one instance per sequence, and <see cref="Reset"/> it to reuse it. A token whose text is
/// whole characters costs no allocation (its cached text is returned); only text assembled from bytes allocates.</para>
/// </remarks>
public sealed class StreamingDetokenizer
{
    private static readonly string[] s_asciiStrings = CreateAsciiStrings();

    private readonly TokenDecoder _decoder;
    private readonly bool _atBeginningOfText;
    private readonly StringBuilder _bytesText = new(8);
    private TokenDecodeState _state;

    internal StreamingDetokenizer(TokenDecoder decoder, bool atBeginningOfText)
    {
        _decoder = decoder;
        _atBeginningOfText = atBeginningOfText;
        Reset();
    }

    /// <summary>Whether bytes of an unfinished UTF-8 character are being held back.</summary>
    public bool HasPendingBytes => _state.PendingCount > 0;

    /// <summary>Decodes the next id.</summary>
    /// <param name="tokenId">The id.</param>
    /// <returns>
    /// The text that became complete with this id: "" for control pieces and while the bytes of a character are
    /// incomplete; otherwise any bytes finished or given up on (as U+FFFD) followed by the piece's own text.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public string Append(int tokenId)
    {
        _bytesText.Clear();
        var pieceText = _decoder.Step(ref _state, tokenId, _bytesText);
        return Combine(pieceText);
    }

    /// <summary>Ends the sequence: returns the held-back bytes, each as U+FFFD, as <see cref="BitNetTokenizer.Decode"/> does.</summary>
    public string Flush()
    {
        _bytesText.Clear();
        TokenDecoder.Flush(ref _state, _bytesText);
        return Combine("");
    }

    /// <summary>Forgets everything, ready for a new sequence.</summary>
    public void Reset() => _state = new TokenDecodeState { PastBeginning = !_atBeginningOfText };

    private string Combine(string pieceText)
    {
        if (_bytesText.Length == 0) return pieceText;
        if (pieceText.Length == 0 && _bytesText.Length == 1 && _bytesText[0] < 128) return s_asciiStrings[_bytesText[0]];
        _bytesText.Append(pieceText);
        return _bytesText.ToString();
    }

    private static string[] CreateAsciiStrings()
    {
        var strings = new string[128];
        for (var i = 0; i < strings.Length; i++) strings[i] = ((char)i).ToString();
        return strings;
    }
}
