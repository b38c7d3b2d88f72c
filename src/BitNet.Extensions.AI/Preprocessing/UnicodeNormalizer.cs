using System.Text;

namespace BitNet.Extensions.AI;

/// <summary>Applies a Unicode normalization form when the runtime can (ICU); leaves text unchanged when it cannot.</summary>
internal static class UnicodeNormalizer
{
    private static readonly Lazy<bool> s_icuAvailable = new(Probe);

    /// <summary>
    /// Whether <see cref="string.Normalize(NormalizationForm)"/> works. With <c>InvariantGlobalization</c> it returns
    /// every string unchanged (no exception), so this asks it to compose one accent and checks the answer.
    /// </summary>
    public static bool IcuAvailable => s_icuAvailable.Value;

    /// <summary><paramref name="text"/> in <paramref name="form"/>; the same instance when it already is, or when normalization is unavailable.</summary>
    /// <remarks><paramref name="text"/> must be well-formed UTF-16 (no lone surrogate), or .NET throws.</remarks>
    public static string Normalize(string text, NormalizationForm form)
    {
        if (!IcuAvailable || IsAscii(text) || text.IsNormalized(form)) return text;
        return text.Normalize(form);
    }

    // ASCII is the same in every form; checking it first skips the normalizer for most English text.
    private static bool IsAscii(string text) => Ascii.IsValid(text);

    private static bool Probe() => "e\u0301".Normalize(NormalizationForm.FormC) == "\u00E9";
}
