using System.Text;

namespace BitNet.Extensions.AI;

/// <summary>
/// Cleans text before it is tokenized, as configured by <see cref="BitNetPreprocessingOptions"/>: removes invisible
/// format and control characters, normalizes whitespace, handles emoji and applies a Unicode normalization form.
/// <see cref="BitNetPreprocessingChatClient"/> runs it on every request; it can also be used on its own.
/// </summary>
/// <remarks>
/// <para>
/// One pass over the text decides each code point (surrogate pairs are read whole and never split; a lone surrogate,
/// which is not text, becomes U+FFFD, as UTF-8 encoding would make it anyway), then the normalization form is applied
/// to the result. The work is linear in the length of the text: every look-ahead (an emoji sequence) is bounded.
/// The order inside the pass: an emoji sequence is recognized first and handled whole (so its joiners stay with it);
/// then line breaks and whitespace; then control and invisible characters are dropped; everything else is kept.
/// Removed characters do not separate words or emoji: "a\u200Bb" becomes "ab" and two emoji around a zero-width space
/// are one run.
/// </para>
/// <para>
/// The same options always give the same output. With the default options, preprocessing its own output changes
/// nothing (a K normalization form, or an emoji replacement with characters a step removes, can change it again).
/// Instances are immutable and thread-safe.
/// </para>
/// </remarks>
public sealed class BitNetTextPreprocessor
{
    private const char ReplacementCharacter = '\uFFFD';

    private readonly BitNetPreprocessingOptions _options;

    /// <summary>Creates a preprocessor with a copy of <paramref name="options"/> (null: the defaults).</summary>
    /// <exception cref="ArgumentException">An option is out of range (the message names it, its value and the allowed range).</exception>
    public BitNetTextPreprocessor(BitNetPreprocessingOptions? options = null)
    {
        _options = options?.Clone() ?? new BitNetPreprocessingOptions();
        BitNetPreprocessingOptionsValidator.ThrowIfInvalid(_options, nameof(options));
    }

    /// <summary>
    /// Whether this process can apply <see cref="BitNetPreprocessingOptions.UnicodeNormalization"/>: <see langword="false"/>
    /// when the application runs with <c>InvariantGlobalization</c>, where .NET's
    /// <see cref="string.Normalize(NormalizationForm)"/> returns text unchanged without an error; the normalization
    /// step then leaves text as it is (the other steps are unaffected).
    /// </summary>
    public static bool NormalizationAvailable => UnicodeNormalizer.IcuAvailable;

    /// <summary>The preprocessed <paramref name="text"/>; the same instance when nothing changes.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public string Process(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ProcessParts([text])[0];
    }

    /// <summary>
    /// Preprocesses the text parts of one message as one text: whitespace is collapsed across the boundaries between
    /// parts (a space ending one part and one starting the next become one) and the message as a whole is trimmed.
    /// Each result is the same instance as its part when nothing changed.
    /// </summary>
    internal string[] ProcessParts(IReadOnlyList<string> parts)
    {
        var results = new string[parts.Count];
        var builder = new StringBuilder();
        var state = new ScanState();
        for (var i = 0; i < parts.Count; i++)
        {
            builder.Clear();
            Scan(parts[i], builder, ref state);
            var text = builder.Equals(parts[i].AsSpan()) ? parts[i] : builder.ToString();
            results[i] = _options.UnicodeNormalization is { } form ? UnicodeNormalizer.Normalize(text, form) : text;
        }
        // Pending whitespace at the end of the message is dropped: that is the trim.
        return results;
    }

    private void Scan(string text, StringBuilder output, ref ScanState state)
    {
        var span = text.AsSpan();
        var position = 0;
        while (position < span.Length)
        {
            var rest = span[position..];
            if (MayStartEmoji(rest[0]))
            {
                var emojiLength = EmojiSequence.MatchLength(rest);
                if (emojiLength > 0)
                {
                    AppendEmoji(rest[..emojiLength], output, ref state);
                    position += emojiLength;
                    continue;
                }
            }

            if (Rune.DecodeFromUtf16(rest, out var rune, out var width) != System.Buffers.OperationStatus.Done)
            {
                // A lone surrogate (width 1) is not text; U+FFFD is what encoding it to UTF-8 would give anyway.
                state.EmojiRun = 0;
                BeginVisible(output, ref state);
                output.Append(ReplacementCharacter);
                position += width;
                continue;
            }
            var codePoint = rune.Value;
            position += width;

            if (CharacterClasses.IsLineBreak(codePoint) || CharacterClasses.IsHorizontalWhitespace(codePoint))
            {
                state.EmojiRun = 0;
                if (_options.NormalizeWhitespace && codePoint == '\r' && position < span.Length && span[position] == '\n') position++;
                AppendWhitespace((char)codePoint, output, ref state);
            }
            else if (!(_options.RemoveControlCharacters && CharacterClasses.IsRemovableControl(codePoint))
                     && !(_options.RemoveInvisibleCharacters && CharacterClasses.IsInvisibleFormat(codePoint)))
            {
                state.EmojiRun = 0;
                BeginVisible(output, ref state);
                // Printable ASCII that cannot start an emoji needs no decision: copy the whole run at once.
                var end = width;
                while (end < rest.Length && rest[end] is > ' ' and < '\u007F' and not ('#' or '*' or (>= '0' and <= '9'))) end++;
                output.Append(rest[..end]);
                position += end - width;
            }
        }
    }

    /// <summary>Whether an emoji may start with <paramref name="c"/>: a quick test that skips most text.</summary>
    private bool MayStartEmoji(char c) =>
        (_options.EmojiHandling != EmojiHandling.Keep || _options.RemoveInvisibleCharacters)
        && (c >= 0xA9 || c is '#' or '*' or (>= '0' and <= '9'));

    private void AppendEmoji(ReadOnlySpan<char> emoji, StringBuilder output, ref ScanState state)
    {
        state.EmojiRun++;
        switch (_options.EmojiHandling)
        {
            case EmojiHandling.Remove:
            case EmojiHandling.Collapse when state.EmojiRun > _options.MaxEmojiRun:
                return;
            case EmojiHandling.Replace:
                if (state.EmojiRun == 1)
                {
                    foreach (var c in _options.EmojiReplacement)
                    {
                        if (CharacterClasses.IsHorizontalWhitespace(c) || CharacterClasses.IsLineBreak(c)) AppendWhitespace(c, output, ref state);
                        else
                        {
                            BeginVisible(output, ref state);
                            output.Append(c);
                        }
                    }
                }
                return;
        }

        BeginVisible(output, ref state);
        if (!_options.RemoveInvisibleCharacters)
        {
            output.Append(emoji);
            return;
        }
        foreach (var c in emoji)
            if (!CharacterClasses.IsVariationSelector(c)) output.Append(c); // U+FE00–U+FE0F are single UTF-16 units
    }

    private void AppendWhitespace(char c, StringBuilder output, ref ScanState state)
    {
        if (!_options.NormalizeWhitespace)
        {
            output.Append(c);
            return;
        }
        if (CharacterClasses.IsLineBreak(c))
        {
            if (state.HasOutput) state.PendingLineBreaks++;
            state.PendingSpace = false;
        }
        else if (state.HasOutput && state.PendingLineBreaks == 0)
        {
            state.PendingSpace = true;
        }
    }

    /// <summary>Writes the whitespace pending before a visible character: the capped line breaks, or one space.</summary>
    private void BeginVisible(StringBuilder output, ref ScanState state)
    {
        if (state.PendingLineBreaks > 0) output.Append('\n', Math.Min(state.PendingLineBreaks, _options.MaxConsecutiveLineBreaks));
        else if (state.PendingSpace) output.Append(' ');
        state.PendingLineBreaks = 0;
        state.PendingSpace = false;
        state.HasOutput = true;
    }

    /// <summary>What the scan carries from one character, and one text part, to the next.</summary>
    private struct ScanState
    {
        /// <summary>Whether anything visible was written (whitespace before it is trimmed).</summary>
        public bool HasOutput;

        /// <summary>Line breaks seen since the last visible character.</summary>
        public int PendingLineBreaks;

        /// <summary>Whether whitespace was seen since the last visible character, on the same line.</summary>
        public bool PendingSpace;

        /// <summary>Emoji in the current run.</summary>
        public int EmojiRun;
    }
}
