namespace BitNet.Extensions.AI;

/// <summary>The character classes the preprocessing steps act on (code points, so supplementary characters are whole).</summary>
internal static class CharacterClasses
{
    /// <summary>Line breaks: LF, VT, FF, CR, next line, line and paragraph separators.</summary>
    public static bool IsLineBreak(int c) => c is '\n' or '\v' or '\f' or '\r' or 0x85 or 0x2028 or 0x2029;

    /// <summary>Whitespace that is not a line break: tab, space, no-break space and every other Unicode space separator.</summary>
    public static bool IsHorizontalWhitespace(int c) =>
        c is '\t' or ' ' or 0xA0 or 0x1680 or (>= 0x2000 and <= 0x200A) or 0x202F or 0x205F or 0x3000;

    /// <summary>Control characters (Cc) that are not whitespace.</summary>
    public static bool IsRemovableControl(int c) =>
        c is (>= 0 and <= 0x08) or (>= 0x0E and <= 0x1F) or (>= 0x7F and <= 0x84) or (>= 0x86 and <= 0x9F);

    /// <summary>Variation selectors: they choose a glyph or presentation and draw nothing themselves.</summary>
    public static bool IsVariationSelector(int c) => c is (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0100 and <= 0xE01EF);

    /// <summary>Invisible format characters (see <see cref="BitNetPreprocessingOptions.RemoveInvisibleCharacters"/> for the list).</summary>
    public static bool IsInvisibleFormat(int c) => c switch
    {
        < 0xAD => false,
        0xAD or 0x34F or 0x61C => true,
        >= 0x180B and <= 0x180F => true,
        >= 0x200B and <= 0x200F => true,
        >= 0x202A and <= 0x202E => true,
        >= 0x2060 and <= 0x2064 => true,
        >= 0x2066 and <= 0x206F => true,
        0xFEFF => true,
        >= 0xFFF9 and <= 0xFFFB => true,
        0xE0001 => true,
        >= 0xE0020 and <= 0xE007F => true,
        _ => IsVariationSelector(c),
    };
}
