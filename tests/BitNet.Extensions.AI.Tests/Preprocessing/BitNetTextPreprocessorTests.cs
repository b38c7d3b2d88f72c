using System.Diagnostics;
using System.Text;

namespace BitNet.Extensions.AI.Tests.Preprocessing;

/// <summary>Every step of <see cref="BitNetTextPreprocessor"/> on crafted inputs, with the default options unless a test says otherwise.</summary>
public sealed class BitNetTextPreprocessorTests
{
    private const string Family = "\U0001F468\u200D\U0001F469\u200D\U0001F467"; // man, ZWJ, woman, ZWJ, girl
    private const string Party = "\U0001F389";                                   // 🎉
    private const string ThumbsUpMedium = "\U0001F44D\U0001F3FD";                // 👍🏽
    private const string France = "\U0001F1EB\U0001F1F7";                        // 🇫🇷
    private const string Japan = "\U0001F1EF\U0001F1F5";                         // 🇯🇵
    private const string England = "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F";

    private static readonly BitNetTextPreprocessor s_default = new();

    private static string Process(string text, Action<BitNetPreprocessingOptions>? configure = null)
    {
        if (configure is null) return s_default.Process(text);
        var options = new BitNetPreprocessingOptions();
        configure(options);
        return new BitNetTextPreprocessor(options).Process(text);
    }

    public static TheoryData<string, string> DefaultCases => new()
    {
        // Invisible format characters.
        { "won\u00ADder\u00ADful", "wonderful" },                             // soft hyphens inside a word
        { "\uFEFFOnce upon a time", "Once upon a time" },                     // byte order mark
        { "a\u200Bb\u200Cc\u200Dd\u2060e", "abcde" },                         // ZWSP, ZWNJ, ZWJ and word joiner between letters
        { "\u200Eleft\u200F \u202Aright\u202C \u2066iso\u2069", "left right iso" }, // directional marks, embeddings, isolates
        { "kite\uFE0E ball\uFE0F \u845B\U000E0100", "kite ball \u845B" },     // variation selectors outside emoji
        { "a\U000E0067b", "ab" },                                             // a tag character outside a flag
        // Control characters.
        { "a\u0000b\u0007c\u001Bd\u007Fe\u0080f\u009Fg", "abcdefg" },
        { "beep\b\b\b!", "beep!" },
        // Line breaks and whitespace.
        { "a\r\nb\rc\nd", "a\nb\nc\nd" },                                     // CRLF, CR, LF
        { "a\vb\fc\u0085d\u2028e\u2029f", "a\nb\nc\nd\ne\nf" },               // VT, FF, NEL, LS, PS
        { "a\t\tb", "a b" },                                                  // tabs
        { "a\u00A0b\u202Fc\u2009d", "a b c d" },                              // NBSP, narrow NBSP, thin space
        { "\u732B\u3000\u72AC", "\u732B \u72AC" },                            // ideographic space
        { "  \n\t Hello   world \t\n\n", "Hello world" },                     // trimmed at both ends
        { "One.\nTwo.\n\nThree.", "One.\nTwo.\n\nThree." },                   // paragraph breaks kept
        { "One.  \n   Two.", "One.\nTwo." },                                  // no whitespace around a line break
        { "One.\n\n\n\n\nTwo.", "One.\n\nTwo." },                             // at most two line breaks
        { "One.\n \t \n \n Two.", "One.\n\nTwo." },                           // blank lines with spaces are blank lines
        // Unicode normalization (NFC).
        { "Cafe\u0301 cre\u0300me bru\u0302le\u0301e", "Caf\u00E9 cr\u00E8me br\u00FBl\u00E9e" },
        { "Nguye\u0302\u0303n", "Nguy\u1EC5n" },                              // two combining marks compose into one letter
        { "\u212B", "\u00C5" },                                               // Angstrom sign → Å
        // Lone surrogates become U+FFFD; pairs are kept whole.
        { "a\uD800b", "a\uFFFDb" },
        { "a\uDC00\uD800b", "a\uFFFD\uFFFDb" },
        { "x\uD83D", "x\uFFFD" },                                             // a high surrogate at the very end
        { "\U0001F600 \U00020000", "\U0001F600 \U00020000" },                 // an emoji and a CJK extension B ideograph
        // Emoji: sequences are one emoji; runs of more than 3 collapse to 3.
        { $"We {Family} play", $"We {Family} play" },                         // ZWJ family kept whole
        { $"{Party}{Party}{Party}{Party}{Party}!", $"{Party}{Party}{Party}!" },
        { $"{Family}{Family}{Family}{Family}", $"{Family}{Family}{Family}" }, // never cut inside a sequence
        { $"{France}{Japan}{France}{Japan}", $"{France}{Japan}{France}" },    // flags are pairs of regional indicators
        { $"{ThumbsUpMedium}{ThumbsUpMedium}{ThumbsUpMedium}{ThumbsUpMedium}", $"{ThumbsUpMedium}{ThumbsUpMedium}{ThumbsUpMedium}" },
        { "1\uFE0F\u20E32\uFE0F\u20E33\uFE0F\u20E34\uFE0F\u20E3", "1\u20E32\u20E33\u20E3" }, // keycaps; VS16 removed
        { "I \u2764\uFE0F you", "I \u2764 you" },                           // VS16 removed from the heart
        { "\u2764\uFE0F\u2764\uFE0F\u2764\uFE0F\u2764\uFE0F", "\u2764\u2764\u2764" }, // with VS16 a heart is an emoji
        { "\u2764\u2764\u2764\u2764", "\u2764\u2764\u2764\u2764" },          // text-default ❤ without VS16 is not an emoji
        { $"{Party}\u200B{Party}\u200B{Party}\u200B{Party}", $"{Party}{Party}{Party}" }, // removed characters do not end a run
        { $"{Party} {Party} {Party} {Party}", $"{Party} {Party} {Party} {Party}" }, // a space ends a run
        { $"flag {England}", $"flag {England}" },                             // tags of a subdivision flag stay
        { "run \U0001F3C3\u200D\u2640\uFE0F!", "run \U0001F3C3\u200D\u2640!" }, // woman running: ZWJ kept, VS16 removed
        { "\U0001F44D\u200Dx", "\U0001F44Dx" },                               // a ZWJ that joins nothing is removed
        // Plain text is returned as it is.
        { "Once upon a time, there was a little girl named Lily.", "Once upon a time, there was a little girl named Lily." },
        { "", "" },
    };

    [Theory]
    [MemberData(nameof(DefaultCases))]
    public void DefaultOptions_CleanEachKindOfInput(string input, string expected)
    {
        var output = Process(input);
        Assert.Equal(Escape(expected), Escape(output));
        Assert.Equal(Escape(output), Escape(Process(output))); // idempotent
    }

    [Fact]
    public void UnchangedText_IsReturnedAsTheSameInstance()
    {
        var text = "Once upon a time, there was a cat.\nThe cat was happy.";
        Assert.Same(text, s_default.Process(text));
    }

    [Fact]
    public void AHostileZwjChain_IsCutIntoBoundedEmoji()
    {
        var chain = string.Join("\u200D", Enumerable.Repeat(Party, 21));
        var eight = string.Join("\u200D", Enumerable.Repeat(Party, 8));
        var five = string.Join("\u200D", Enumerable.Repeat(Party, 5));
        // Eight pictographs per emoji at most; the joiners between the pieces join nothing and are removed.
        Assert.Equal(eight + eight + five, Process(chain));
        Assert.Equal(eight, Process(chain, o => o.MaxEmojiRun = 1));
    }

    [Theory]
    [InlineData(EmojiHandling.Keep, "go 🚀🚀🚀🚀🚀 now " + Family, "go 🚀🚀🚀🚀🚀 now " + Family)]
    [InlineData(EmojiHandling.Collapse, "go 🚀🚀🚀🚀🚀 now " + Family, "go 🚀🚀🚀 now " + Family)]
    [InlineData(EmojiHandling.Remove, "go 🚀🚀🚀🚀🚀 now " + Family, "go now")]
    [InlineData(EmojiHandling.Remove, "go🚀now", "gonow")]
    [InlineData(EmojiHandling.Replace, "go🚀🚀now 😀 end", "go now end")]
    public void EmojiHandling_KeepsCollapsesRemovesOrReplaces(EmojiHandling handling, string input, string expected) =>
        Assert.Equal(expected, Process(input, o => o.EmojiHandling = handling));

    [Fact]
    public void Replace_UsesTheConfiguredText_OncePerRun()
    {
        Assert.Equal("hi [emoji] there [emoji]", Process("hi 😀😂🤣 there 🎉", o =>
        {
            o.EmojiHandling = EmojiHandling.Replace;
            o.EmojiReplacement = "[emoji]";
        }));
        Assert.Equal("hi there", Process("hi 😀 there", o =>
        {
            o.EmojiHandling = EmojiHandling.Replace;
            o.EmojiReplacement = "";
        }));
    }

    [Fact]
    public void MaxEmojiRun_AndMaxConsecutiveLineBreaks_AreHonoured()
    {
        Assert.Equal("🎉", Process("🎉🎉🎉", o => o.MaxEmojiRun = 1));
        Assert.Equal("a\nb", Process("a\n\n\nb", o => o.MaxConsecutiveLineBreaks = 1));
        Assert.Equal("a\n\n\nb", Process("a\n\n\n\n\nb", o => o.MaxConsecutiveLineBreaks = 3));
    }

    [Fact]
    public void EveryStep_CanBeSwitchedOff()
    {
        var input = "  a\u00AD\u200Db\u0007 \t c\r\n\n\n\nd\u0301 🎉🎉🎉🎉🎉\u2764\uFE0F ";
        var off = new BitNetTextPreprocessor(new BitNetPreprocessingOptions
        {
            RemoveInvisibleCharacters = false,
            RemoveControlCharacters = false,
            NormalizeWhitespace = false,
            UnicodeNormalization = null,
            EmojiHandling = EmojiHandling.Keep,
        });
        Assert.Same(input, off.Process(input));

        // The heart with VS16 is the sixth emoji of the run, so collapsing drops it.
        Assert.Equal("ab c\n\nd\u0301 🎉🎉🎉",
            Process(input, o => o.UnicodeNormalization = null)); // only normalization off
        Assert.Equal("a\u00AD\u200Db c\n\nd\u0301 🎉🎉🎉",
            Process(input, o => { o.UnicodeNormalization = null; o.RemoveInvisibleCharacters = false; }));
        Assert.Equal("  ab \t c\r\n\n\n\nd\u0301 🎉🎉🎉 ",
            Process(input, o => { o.UnicodeNormalization = null; o.NormalizeWhitespace = false; }));
        Assert.Equal("ab c\n\nd\u0301 🎉🎉🎉🎉🎉\u2764",
            Process(input, o => { o.UnicodeNormalization = null; o.EmojiHandling = EmojiHandling.Keep; }));
    }

    [Theory]
    [InlineData(NormalizationForm.FormD, "caf\u00E9", "cafe\u0301")]
    [InlineData(NormalizationForm.FormKC, "\uFB01ne \uFF21", "fine A")]
    [InlineData(NormalizationForm.FormKD, "\u00E9\uFB01", "e\u0301fi")]
    public void OtherNormalizationForms_AreApplied(NormalizationForm form, string input, string expected)
    {
        Assert.True(BitNetTextPreprocessor.NormalizationAvailable, "this test project runs with ICU, like a consumer application");
        Assert.Equal(expected, Process(input, o => o.UnicodeNormalization = form));
    }

    [Fact]
    public void Parts_OfOneMessage_AreOneText()
    {
        var parts = s_default.ProcessParts(["  Once upon ", " a  time\u200B", "", "\n\n\n", "there was a cat.  "]);
        Assert.Equal(["Once upon", " a time", "", "", "\n\nthere was a cat."], parts);
        Assert.Equal("Once upon a time\n\nthere was a cat.", string.Concat(parts));
    }

    public static TheoryData<string, string> HostileInputs => new()
    {
        { "spaces", new string(' ', 1 << 20) },
        { "line breaks", string.Concat(Enumerable.Repeat("\r\n", 1 << 19)) },
        { "zero-width joiners", new string('\u200D', 1 << 20) },
        { "emoji joined by ZWJ", string.Concat(Enumerable.Repeat("\U0001F600\u200D", 1 << 18)) },
        { "variation selectors after an emoji", "\U0001F600" + new string('\uFE0F', 1 << 20) },
        { "skin tones", string.Concat(Enumerable.Repeat("\U0001F3FD", 1 << 19)) },
        { "regional indicators", string.Concat(Enumerable.Repeat("\U0001F1EB", 1 << 19)) },
        { "combining marks", "e" + new string('\u0301', 1 << 20) },
        { "lone surrogates", new string('\uD800', 1 << 20) },
        { "controls and soft hyphens", string.Concat(Enumerable.Repeat("a\u0000\u00AD", 1 << 18)) },
        { "keycap bases", string.Concat(Enumerable.Repeat("1\uFE0F", 1 << 19)) },
        { "tags", "\U0001F3F4" + string.Concat(Enumerable.Repeat("\U000E0067", 1 << 19)) },
    };

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public void AOneMegabyteHostileInput_TakesLinearTime_AndStaysBounded(string kind, string input)
    {
        var stopwatch = Stopwatch.StartNew();
        var output = s_default.Process(input);
        stopwatch.Stop();

        // Linear work is a few milliseconds per megabyte; a quadratic scan of 1 MB would take minutes.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"{kind}: {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(output.Length <= input.Length, kind);
        Assert.Equal(output, s_default.Process(output));
    }

    [Fact]
    public void HostileEmojiFloods_CollapseToAFewEmoji()
    {
        Assert.Equal(3 * 2, s_default.Process(string.Concat(Enumerable.Repeat("\U0001F600", 1 << 18))).Length);
        Assert.Equal(3 * 2 * 2, s_default.Process(string.Concat(Enumerable.Repeat("\U0001F1EB", 1 << 18))).Length); // 3 flags of 2 indicators
    }

    [Fact]
    public void InvalidOptions_AreRejected_NamingTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() => new BitNetTextPreprocessor(new BitNetPreprocessingOptions { MaxEmojiRun = 0 }));
        Assert.Contains("BitNetPreprocessingOptions.MaxEmojiRun is 0; allowed: 1 to 1000.", error.Message, StringComparison.Ordinal);
    }

    private static string Escape(string text)
    {
        var builder = new StringBuilder();
        foreach (var c in text)
            builder.Append(c is >= ' ' and < '\u007F' ? c.ToString() : $"\\u{(int)c:X4}");
        return builder.ToString();
    }
}
