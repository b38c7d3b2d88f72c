namespace BitNet.Runtime.Tokenization;

/// <summary>
/// Reads one UTF-8 sequence the way SentencePiece's decoder does (<c>string_util::DecodeUTF8</c>): only well-formed
/// sequences (Unicode Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF) are accepted, and a bad byte is
/// rejected on its own, so that the caller emits one U+FFFD per bad byte. It also tells "bad" from "not finished yet",
/// which streaming needs in order to hold back a sequence whose last bytes are still to come.
/// </summary>
internal static class Utf8Scanner
{
    public enum Result
    {
        /// <summary>A complete, well-formed sequence; <c>consumed</c> bytes form <c>codePoint</c>.</summary>
        Complete,
        /// <summary>The first byte cannot start a well-formed sequence here; reject exactly one byte.</summary>
        Invalid,
        /// <summary>The bytes are a proper prefix of a well-formed sequence; more bytes may complete it.</summary>
        Incomplete,
    }

    public static Result Scan(ReadOnlySpan<byte> bytes, out int codePoint, out int consumed)
    {
        codePoint = 0;
        consumed = 1;
        var b0 = bytes[0];
        if (b0 < 0x80)
        {
            codePoint = b0;
            return Result.Complete;
        }

        int length, lowest = 0x80, highest = 0xBF;   // the allowed range of the second byte
        switch (b0)
        {
            case >= 0xC2 and <= 0xDF: length = 2; codePoint = b0 & 0x1F; break;
            case 0xE0: length = 3; codePoint = b0 & 0x0F; lowest = 0xA0; break;
            case 0xED: length = 3; codePoint = b0 & 0x0F; highest = 0x9F; break;
            case >= 0xE1 and <= 0xEF: length = 3; codePoint = b0 & 0x0F; break;
            case 0xF0: length = 4; codePoint = b0 & 0x07; lowest = 0x90; break;
            case 0xF4: length = 4; codePoint = b0 & 0x07; highest = 0x8F; break;
            case >= 0xF1 and <= 0xF3: length = 4; codePoint = b0 & 0x07; break;
            default: return Result.Invalid;   // 0x80..0xC1 and 0xF5..0xFF never start a sequence
        }

        for (var i = 1; i < length; i++)
        {
            if (i >= bytes.Length) return Result.Incomplete;
            var b = bytes[i];
            var (lo, hi) = i == 1 ? (lowest, highest) : (0x80, 0xBF);
            if (b < lo || b > hi) return Result.Invalid;
            codePoint = (codePoint << 6) | (b & 0x3F);
        }

        consumed = length;
        return Result.Complete;
    }
}
