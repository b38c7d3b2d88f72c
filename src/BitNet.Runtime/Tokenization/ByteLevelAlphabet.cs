namespace BitNet.Runtime.Tokenization;

/// <summary>
/// GPT-2's byte-level alphabet: each of the 256 byte values is written as one printable character, so that byte-level BPE
/// vocabularies (GPT-2, Llama 3, BitNet b1.58 2B4T) can store arbitrary bytes as text. Printable Latin-1 bytes
/// (<c>!</c>..<c>~</c>, U+00A1..U+00AC, U+00AE..U+00FF) stand for themselves; the other 68 bytes (controls, space,
/// U+00A0, U+00AD) are given U+0100 upwards in byte order, so a space is <c>Ġ</c> (U+0120) and a newline <c>Ċ</c> (U+010A).
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] s_byteToChar = CreateByteToChar();
    private static readonly short[] s_charToByte = CreateCharToByte();

    /// <summary>The characters stand for bytes 0..255 when they are below this code.</summary>
    private const int CharRange = 0x144;

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char ToChar(byte value) => s_byteToChar[value];

    /// <summary>The byte a character stands for, or -1 when it is not in the alphabet.</summary>
    public static int ToByte(char c) => c < CharRange ? s_charToByte[c] : -1;

    /// <summary>Writes the alphabet form of <paramref name="bytes"/> into <paramref name="destination"/> (one char per byte).</summary>
    public static void Encode(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        for (var i = 0; i < bytes.Length; i++) destination[i] = s_byteToChar[bytes[i]];
    }

    /// <summary>The alphabet form of <paramref name="bytes"/>.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) =>
        string.Create(bytes.Length, bytes.ToArray(), static (chars, b) => Encode(b, chars));

    /// <summary>The bytes a token's text stands for, or null when a character is outside the alphabet.</summary>
    public static byte[]? TryDecode(string text)
    {
        var bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            var value = ToByte(text[i]);
            if (value < 0) return null;
            bytes[i] = (byte)value;
        }
        return bytes;
    }

    private static bool IsPrintable(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static char[] CreateByteToChar()
    {
        var map = new char[256];
        var next = 0x100;
        for (var b = 0; b < 256; b++) map[b] = IsPrintable(b) ? (char)b : (char)next++;
        return map;
    }

    private static short[] CreateCharToByte()
    {
        var map = new short[CharRange];
        Array.Fill(map, (short)-1);
        for (var b = 0; b < 256; b++) map[s_byteToChar[b]] = (short)b;
        return map;
    }
}
