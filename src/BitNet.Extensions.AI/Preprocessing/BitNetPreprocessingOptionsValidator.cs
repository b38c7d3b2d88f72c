using System.Globalization;
using System.Text;

namespace BitNet.Extensions.AI;

/// <summary>
/// Checks <see cref="BitNetPreprocessingOptions"/>: every failure names the option, its value and the allowed range.
/// Used by <see cref="BitNetChatClientOptionsValidator"/> for <see cref="BitNetChatClientOptions.Preprocessing"/> (so
/// dependency injection validates them on start) and by the constructors that take the options directly.
/// </summary>
internal static class BitNetPreprocessingOptionsValidator
{
    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid option.</summary>
    public static void ThrowIfInvalid(BitNetPreprocessingOptions options, string paramName)
    {
        var failures = GetFailures(options, nameof(BitNetPreprocessingOptions));
        if (failures.Count > 0) throw new ArgumentException(string.Join(" ", failures), paramName);
    }

    /// <summary>One message per invalid option, each starting with <paramref name="owner"/> (the path to the options); empty when all are valid.</summary>
    public static List<string> GetFailures(BitNetPreprocessingOptions options, string owner)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (options.MaxConsecutiveLineBreaks is < 1 or > BitNetPreprocessingOptions.MaxRunLimit)
            failures.Add(Failure(owner, nameof(options.MaxConsecutiveLineBreaks), options.MaxConsecutiveLineBreaks,
                $"1 to {BitNetPreprocessingOptions.MaxRunLimit} (2 keeps one blank line between paragraphs)"));
        if (options.UnicodeNormalization is { } form && !Enum.IsDefined(form))
            failures.Add(Failure(owner, nameof(options.UnicodeNormalization), form,
                $"one of {string.Join(", ", Enum.GetNames<NormalizationForm>())}, or null for none"));
        if (!Enum.IsDefined(options.EmojiHandling))
            failures.Add(Failure(owner, nameof(options.EmojiHandling), options.EmojiHandling, $"one of {string.Join(", ", Enum.GetNames<EmojiHandling>())}"));
        if (options.MaxEmojiRun is < 1 or > BitNetPreprocessingOptions.MaxRunLimit)
            failures.Add(Failure(owner, nameof(options.MaxEmojiRun), options.MaxEmojiRun, $"1 to {BitNetPreprocessingOptions.MaxRunLimit}"));
        if (options.EmojiReplacement is null)
            failures.Add(Failure(owner, nameof(options.EmojiReplacement), "null", "a string (empty to remove the emoji)"));
        else if (options.EmojiReplacement.Length > BitNetPreprocessingOptions.MaxEmojiReplacementLength)
            failures.Add(Failure(owner, nameof(options.EmojiReplacement), $"{options.EmojiReplacement.Length} characters long",
                $"at most {BitNetPreprocessingOptions.MaxEmojiReplacementLength} characters"));

        return failures;
    }

    private static string Failure(string owner, string option, object value, string allowed) =>
        string.Create(CultureInfo.InvariantCulture, $"{owner}.{option} is {value}; allowed: {allowed}.");
}
