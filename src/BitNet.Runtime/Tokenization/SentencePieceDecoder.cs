using System.Text;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// Turns ids back into text exactly as SentencePiece's <c>SentencePieceProcessor::Decode</c> does, one id at a time.
/// </summary>
/// <remarks>
/// <para>SentencePiece's rules, which this reproduces:</para>
/// <list type="bullet">
/// <item>Control pieces (<c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>) decode to nothing. <c>&lt;unk&gt;</c> decodes to the
/// model's unknown surface (" ⁇ " by default).</item>
/// <item>Runs of consecutive byte pieces (<c>&lt;0xXX&gt;</c>) are joined into bytes and decoded as UTF-8; every byte that
/// is not part of a well-formed sequence becomes one U+FFFD.</item>
/// <item>Every other piece has U+2581 replaced by a space. Its leading U+2581 is dropped while the decoder is still "at
/// the beginning": no text has been produced yet and no earlier piece has had its leading U+2581 dropped. This undoes
/// the dummy prefix that encoding added, so <c>decode(encode(x)) == x</c>.</item>
/// </list>
/// <para>This is written here rather than taken from Microsoft.ML.Tokenizers' <c>Decode</c> because, in 2.0.1, that
/// method differs from SentencePiece in three ways that matter for an engine: it decodes invalid byte runs with .NET's
/// replacement rules (one U+FFFD per maximal invalid subsequence, not one per byte), it drops <c>&lt;unk&gt;</c>
/// instead of printing its surface, and it strips the leading space of the first text piece even when byte pieces
/// already produced text before it. It also has no incremental form, which streaming needs.</para>
/// </remarks>
internal sealed class SentencePieceDecoder : TokenDecoder
{
    private const char SpaceSymbol = '\u2581';

    private readonly SentencePiecePieceType[] _types;
    private readonly string[] _surfaces;          // text of a piece in the middle of a sequence ("" for control pieces)
    private readonly string?[] _strippedSurfaces; // text of a piece at the beginning, when it starts with U+2581
    private readonly short[] _byteValues;         // 0..255 for byte pieces, -1 otherwise
    private readonly bool _stripLeadingSpace;
    private readonly bool _keepBosWhitespaceSeen;

    public SentencePieceDecoder(SentencePieceModel model)
    {
        var count = model.Count;
        _types = model.Types;
        _surfaces = new string[count];
        _strippedSurfaces = new string?[count];
        _byteValues = new short[count];
        for (var id = 0; id < count; id++)
        {
            var piece = model.Pieces[id];
            _byteValues[id] = -1;
            switch (model.Types[id])
            {
                case SentencePiecePieceType.Control:
                    _surfaces[id] = "";
                    break;
                case SentencePiecePieceType.Unknown:
                    _surfaces[id] = model.UnknownSurface;
                    break;
                case SentencePiecePieceType.Byte:
                    _byteValues[id] = ParseBytePiece(piece) is var value and >= 0
                        ? (short)value
                        : throw new InvalidDataException($"Piece {id} '{piece}' has type BYTE but is not of the form <0xXX>.");
                    _surfaces[id] = "";
                    break;
                default:
                    _surfaces[id] = piece.Replace(SpaceSymbol, ' ');
                    if (piece[0] == SpaceSymbol) _strippedSurfaces[id] = _surfaces[id][1..];
                    break;
            }
        }

        // SentencePiece consumes the beginning-of-text U+2581 only when the normalizer could have added it.
        _stripLeadingSpace = model.AddDummyPrefix || model.RemoveExtraWhitespaces;
        // With remove_extra_whitespaces every leading U+2581 piece is stripped, not only the first.
        _keepBosWhitespaceSeen = !model.RemoveExtraWhitespaces;
    }

    public override int Count => _types.Length;

    /// <summary>The byte value of a <c>&lt;0xXX&gt;</c> piece (uppercase hex, as SentencePiece writes it), or -1.</summary>
    public static int ParseBytePiece(string piece)
    {
        if (piece.Length != 6 || !piece.StartsWith("<0x", StringComparison.Ordinal) || piece[5] != '>') return -1;
        var hi = HexValue(piece[3]);
        var lo = HexValue(piece[4]);
        return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;

        static int HexValue(char c) => c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
    }

    /// <inheritdoc />
    public override byte[] GetContinuationBytes(int id)
    {
        CheckId(id);
        if (_byteValues[id] >= 0) return [(byte)_byteValues[id]];
        // Unknown pieces print a surface the model never meant as text.
        return _types[id] == SentencePiecePieceType.Unknown ? [] : Encoding.UTF8.GetBytes(_surfaces[id]);
    }

    /// <inheritdoc />
    public override string Step(ref TokenDecodeState state, int id, StringBuilder bytesText)
    {
        if ((uint)id >= (uint)_types.Length)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is outside the vocabulary (0..{_types.Length - 1}).");

        var byteValue = _byteValues[id];
        if (byteValue >= 0)
        {
            state.Push((byte)byteValue);
            DrainBytes(ref state, bytesText, endOfRun: false);
            return "";
        }

        if (state.PendingCount > 0) DrainBytes(ref state, bytesText, endOfRun: true);

        if (state.BosWhitespaceSeen || state.AnyText) state.PastBeginning = true;

        string text;
        switch (_types[id])
        {
            case SentencePiecePieceType.Control:
                state.BosWhitespaceSeen = false;
                return "";
            case SentencePiecePieceType.Unknown:
                state.BosWhitespaceSeen = false;
                text = _surfaces[id];
                break;
            default:
                var stripped = _strippedSurfaces[id];
                if (!state.PastBeginning && _stripLeadingSpace && stripped is not null)
                {
                    state.BosWhitespaceSeen = _keepBosWhitespaceSeen;
                    text = stripped;
                }
                else
                {
                    state.BosWhitespaceSeen = false;
                    text = _surfaces[id];
                }
                break;
        }

        if (text.Length > 0) state.AnyText = true;
        return text;
    }
}
