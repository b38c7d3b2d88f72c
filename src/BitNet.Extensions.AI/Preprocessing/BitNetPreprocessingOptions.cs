using System.Text;

namespace BitNet.Extensions.AI;

/// <summary>
/// Settings of <see cref="BitNetPreprocessingChatClient"/> and <see cref="BitNetTextPreprocessor"/>: which clean-up
/// steps run on the text of incoming messages and <see cref="Microsoft.Extensions.AI.ChatOptions.Instructions"/>.
/// Every step can be switched off; the defaults suit the shipped story model and chat models alike.
/// </summary>
/// <remarks>
/// The steps run in one pass over the text, then the Unicode normalization (see <see cref="BitNetTextPreprocessor"/>
/// for the exact rules). Values are checked when the client is created and, through <c>AddBitNetChatClient</c>, when
/// the host starts; a bad value fails with a message naming the option, its value and the allowed range.
/// </remarks>
public sealed class BitNetPreprocessingOptions
{
    /// <summary>The largest <see cref="MaxEmojiRun"/> and <see cref="MaxConsecutiveLineBreaks"/>.</summary>
    public const int MaxRunLimit = 1000;

    /// <summary>The longest <see cref="EmojiReplacement"/>, in UTF-16 characters.</summary>
    public const int MaxEmojiReplacementLength = 64;

    /// <summary>
    /// Whether preprocessing runs at all. Default <see langword="true"/>. With <see langword="false"/>,
    /// <c>AddBitNetChatClient</c> installs no preprocessing layer and a <see cref="BitNetPreprocessingChatClient"/> passes
    /// requests through untouched.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Removes invisible format characters: soft hyphen (U+00AD), zero-width space, non-joiner and joiner
    /// (U+200B–U+200D), word joiner and invisible operators (U+2060–U+2064), byte order mark / zero-width no-break space
    /// (U+FEFF), directional marks, embeddings, overrides and isolates (U+200E, U+200F, U+061C, U+202A–U+202E,
    /// U+2066–U+2069), deprecated format characters (U+206A–U+206F), the combining grapheme joiner (U+034F), Mongolian
    /// variation selectors and vowel separator (U+180B–U+180F), interlinear annotation marks (U+FFF9–U+FFFB), variation
    /// selectors (U+FE00–U+FE0F, U+E0100–U+E01EF) and tag characters (U+E0001, U+E0020–U+E007F). Default
    /// <see langword="true"/>. A zero-width joiner between two emoji and the tag characters of a subdivision flag (U+1F3F4 followed by tags, e.g. the flag of England) are
    /// part of the emoji and are kept with it; variation selectors are removed from emoji too (they only choose a
    /// presentation).
    /// </summary>
    public bool RemoveInvisibleCharacters { get; set; } = true;

    /// <summary>
    /// Removes control characters (Unicode category Cc) that are not whitespace: U+0000–U+0008, U+000E–U+001F, U+007F
    /// and U+0080–U+009F except U+0085. Tab, line feed, carriage return, vertical tab, form feed and next line (U+0085)
    /// are whitespace and left to <see cref="NormalizeWhitespace"/>. Default <see langword="true"/>.
    /// </summary>
    public bool RemoveControlCharacters { get; set; } = true;

    /// <summary>
    /// Normalizes whitespace. Default <see langword="true"/>. Line breaks (CR LF, CR, LF, VT, FF, U+0085, U+2028,
    /// U+2029) become <c>\n</c>; a run of other whitespace (space, tab, no-break space, ideographic space and every other
    /// Unicode space) becomes one space, and none is kept at the start or end of a line; more than
    /// <see cref="MaxConsecutiveLineBreaks"/> line breaks in a row (with only whitespace between them) become that many,
    /// so paragraph breaks survive; the text of each message is trimmed (no whitespace or line break at its start or
    /// end). Switch it off for text whose spacing carries meaning, such as source code.
    /// </summary>
    public bool NormalizeWhitespace { get; set; } = true;

    /// <summary>
    /// With <see cref="NormalizeWhitespace"/>: the most line breaks kept in a row. Default 2 (one blank line, a
    /// paragraph break); 1 to <see cref="MaxRunLimit"/>.
    /// </summary>
    public int MaxConsecutiveLineBreaks { get; set; } = 2;

    /// <summary>
    /// The Unicode normalization form applied last, or <see langword="null"/> for none. Default
    /// <see cref="NormalizationForm.FormC"/> (NFC: "e" followed by a combining acute accent becomes "é", so equal texts
    /// tokenize equally, and a vocabulary that has "é" as a piece uses it). The K forms also fold compatibility characters (ﬁ → fi, full-width letters → ASCII).
    /// This needs ICU: in an application with <c>InvariantGlobalization</c> set, .NET's
    /// <see cref="string.Normalize(NormalizationForm)"/> returns text unchanged, so the step does nothing there
    /// (<see cref="BitNetTextPreprocessor.NormalizationAvailable"/> tells; <see cref="BitNetPreprocessingChatClient"/> logs a
    /// warning once). Applications are not invariant unless they opt in.
    /// </summary>
    public NormalizationForm? UnicodeNormalization { get; set; } = NormalizationForm.FormC;

    /// <summary>What happens to emoji. Default <see cref="AI.EmojiHandling.Collapse"/> (runs longer than <see cref="MaxEmojiRun"/>).</summary>
    /// <remarks>
    /// An emoji is one picture however many code points draw it: a pictographic character with its skin-tone modifier
    /// and variation selector, a zero-width-joiner sequence (man, ZWJ, woman, ZWJ, girl: one family emoji; at most 8 pictographs are joined,
    /// so a hostile chain cannot grow one emoji without bound), a flag (two regional indicators, or 🏴 with tags), or a
    /// keycap (a digit, <c>#</c> or <c>*</c>, U+FE0F, U+20E3). Symbols that are text by default (❤ ☺ ✔ ©) count as emoji only when a variation selector U+FE0F
    /// asks for the emoji presentation. A run is emoji with nothing between them (a space ends a run).
    /// </remarks>
    public EmojiHandling EmojiHandling { get; set; } = EmojiHandling.Collapse;

    /// <summary>With <see cref="AI.EmojiHandling.Collapse"/>: the most emoji kept in a run. Default 3; 1 to <see cref="MaxRunLimit"/>.</summary>
    public int MaxEmojiRun { get; set; } = 3;

    /// <summary>
    /// With <see cref="AI.EmojiHandling.Replace"/>: the text that replaces each run of emoji. Default one space (so
    /// words on both sides stay apart); at most <see cref="MaxEmojiReplacementLength"/> characters. It is inserted as
    /// it is, except that its whitespace follows <see cref="NormalizeWhitespace"/>.
    /// </summary>
    public string EmojiReplacement { get; set; } = " ";

    /// <summary>
    /// Whether assistant messages are preprocessed too. Default <see langword="false"/>: they are usually the model's
    /// own earlier answers, and rewriting them would make the history differ from what the model generated (and
    /// defeat the KV-cache prefix reuse of the next turn). Set it when assistant messages come from elsewhere (another
    /// agent or model). User, system and other messages and <see cref="Microsoft.Extensions.AI.ChatOptions.Instructions"/>
    /// are always preprocessed.
    /// </summary>
    public bool PreprocessAssistantMessages { get; set; }

    /// <summary>A copy of these options (a client keeps one, so later changes do not affect it).</summary>
    internal BitNetPreprocessingOptions Clone() => (BitNetPreprocessingOptions)MemberwiseClone();
}
