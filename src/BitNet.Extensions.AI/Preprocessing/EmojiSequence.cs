using System.Text;

namespace BitNet.Extensions.AI;

/// <summary>
/// Finds where an emoji, as one picture, ends: a pictograph with its modifiers and variation selectors, a zero-width
/// joiner sequence, a flag or a keycap. The ranges approximate Unicode's Extended_Pictographic and Emoji_Presentation
/// properties (.NET exposes neither); see <see cref="BitNetPreprocessingOptions.EmojiHandling"/> for the rules.
/// </summary>
internal static class EmojiSequence
{
    /// <summary>The most pictographs one zero-width-joiner sequence joins (the longest standard ones have 4).</summary>
    public const int MaxJoinedPictographs = 8;

    /// <summary>The most tag characters a flag carries (subdivision flags have 5 or 6 and a cancel tag).</summary>
    private const int MaxTags = 16;

    private const int ZeroWidthJoiner = 0x200D;
    private const int EmojiPresentationSelector = 0xFE0F;
    private const int TextPresentationSelector = 0xFE0E;
    private const int CombiningEnclosingKeycap = 0x20E3;
    private const int CancelTag = 0xE007F;

    /// <summary>The length, in UTF-16 characters, of the emoji that starts <paramref name="text"/>; 0 when none does.</summary>
    /// <remarks>Reads a bounded number of code points, so scanning a text is linear in its length.</remarks>
    public static int MatchLength(ReadOnlySpan<char> text)
    {
        var first = Read(text, 0, out var width);
        if (first < 0) return 0;

        if (IsRegionalIndicator(first))
        {
            var second = Read(text, width, out var secondWidth);
            return IsRegionalIndicator(second) ? width + secondWidth : width;
        }

        if (first is '#' or '*' or (>= '0' and <= '9'))
        {
            var position = width;
            if (At(text, position) == EmojiPresentationSelector) position++;
            return At(text, position) == CombiningEnclosingKeycap ? position + 1 : 0;
        }

        if (!IsPictographic(first) && !(IsTextDefaultSymbol(first) && At(text, width) == EmojiPresentationSelector)) return 0;

        var end = SkipModifiers(text, width);
        for (var pictographs = 1; pictographs < MaxJoinedPictographs && At(text, end) == ZeroWidthJoiner; pictographs++)
        {
            // Inside a sequence a text-default symbol joins without U+FE0F (runner, ZWJ, female sign with or without U+FE0F), so that text whose
            // selectors were removed reads the same way again.
            var next = Read(text, end + 1, out var nextWidth);
            if (!IsPictographic(next) && !IsTextDefaultSymbol(next)) break;
            end = SkipModifiers(text, end + 1 + nextWidth);
        }
        return end;
    }

    /// <summary>Whether <paramref name="c"/> is drawn as an emoji by default.</summary>
    public static bool IsPictographic(int c) => c switch
    {
        < 0x231A => false,
        >= 0x1F000 and <= 0x1F0FF => true,                                    // mahjong, dominoes, cards
        >= 0x1F100 and <= 0x1F1FF => c is 0x1F170 or 0x1F171 or 0x1F17E or 0x1F17F or 0x1F18E or (>= 0x1F191 and <= 0x1F19A),
        >= 0x1F200 and <= 0x1FAFF => true,                                    // pictographs, emoticons, transport, symbols
        >= 0x10000 => false,
        _ => IsBmpEmojiPresentation(c),
    };

    /// <summary>Symbols drawn as text by default that U+FE0F turns into emoji (❤ ☺ ✔ © ™ ↔ ⬆ …).</summary>
    public static bool IsTextDefaultSymbol(int c) => c is 0xA9 or 0xAE or 0x203C or 0x2049 or 0x2122 or 0x2139
        or (>= 0x2194 and <= 0x21AA) or (>= 0x2300 and <= 0x23FF) or 0x24C2 or (>= 0x25A0 and <= 0x25FF)
        or (>= 0x2600 and <= 0x27BF) or 0x2934 or 0x2935 or (>= 0x2B00 and <= 0x2BFF) or 0x3030 or 0x303D or 0x3297 or 0x3299;

    private static bool IsBmpEmojiPresentation(int c) => c is 0x231A or 0x231B or (>= 0x23E9 and <= 0x23EC) or 0x23F0 or 0x23F3
        or 0x25FD or 0x25FE or 0x2614 or 0x2615 or (>= 0x2648 and <= 0x2653) or 0x267F or 0x2693 or 0x26A1 or 0x26AA or 0x26AB
        or 0x26BD or 0x26BE or 0x26C4 or 0x26C5 or 0x26CE or 0x26D4 or 0x26EA or 0x26F2 or 0x26F3 or 0x26F5 or 0x26FA or 0x26FD
        or 0x2705 or 0x270A or 0x270B or 0x2728 or 0x274C or 0x274E or (>= 0x2753 and <= 0x2755) or 0x2757
        or (>= 0x2795 and <= 0x2797) or 0x27B0 or 0x27BF or 0x2B1B or 0x2B1C or 0x2B50 or 0x2B55;

    private static bool IsRegionalIndicator(int c) => c is >= 0x1F1E6 and <= 0x1F1FF;

    private static bool IsSkinToneModifier(int c) => c is >= 0x1F3FB and <= 0x1F3FF;

    /// <summary>Skips what may follow a pictograph: a presentation selector and a skin tone (in either order), then tags.</summary>
    private static int SkipModifiers(ReadOnlySpan<char> text, int position)
    {
        for (var i = 0; i < 3; i++)
        {
            var c = Read(text, position, out var width);
            if (c is EmojiPresentationSelector or TextPresentationSelector || IsSkinToneModifier(c)) position += width;
            else break;
        }
        for (var tags = 0; tags < MaxTags; tags++)
        {
            var c = Read(text, position, out var width);
            if (c is < 0xE0020 or > CancelTag) break;
            position += width;
            if (c == CancelTag) break;
        }
        return position;
    }

    private static int At(ReadOnlySpan<char> text, int position) => position < text.Length ? text[position] : -1;

    /// <summary>The code point at <paramref name="position"/>, or -1 past the end or at a lone surrogate.</summary>
    private static int Read(ReadOnlySpan<char> text, int position, out int width)
    {
        width = 0;
        if (position >= text.Length) return -1;
        if (Rune.DecodeFromUtf16(text[position..], out var rune, out width) != System.Buffers.OperationStatus.Done) return -1;
        return rune.Value;
    }
}
