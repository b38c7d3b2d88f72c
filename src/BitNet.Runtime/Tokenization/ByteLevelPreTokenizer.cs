using System.Text.RegularExpressions;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// The regular expressions that split text into words before byte-level BPE, chosen by a GGUF's
/// <c>tokenizer.ggml.pre</c>. Each pattern is written from its tokenizer's published definition, with the possessive
/// quantifiers of the originals (Rust fancy-regex / PCRE) expressed as .NET atomic groups.
/// </summary>
/// <remarks>
/// <para><b>llama3</b> (also when the key is missing, as in the bitnet-b1.58-2B-4T GGUF; llama.cpp names it
/// <c>llama-bpe</c>, <c>llama3</c>, and uses it for <c>dbrx</c> and <c>smaug-bpe</c>): Llama 3's <c>tokenizer.json</c>
/// pattern. Words that are vocabulary entries are emitted whole (llama.cpp's and Hugging Face's <c>ignore_merges</c>).</para>
/// <para><b>cl100k</b> (a name of this engine; llama.cpp has none for it): tiktoken's cl100k_base pattern, also with
/// whole-word lookup as tiktoken does. It differs from Llama 3's in spelling only (<c>'(?i:[sdmt]|ll|ve|re)</c>,
/// possessive quantifiers, <c>\s*[\r\n]</c> for <c>\s*[\r\n]+</c>), and the two split every text the same way, which a
/// test checks.</para>
/// <para><b>gpt2</b> (<c>gpt-2</c>, <c>gpt2</c>): GPT-2's pattern, without whole-word lookup.</para>
/// <para>.NET regular expressions see a character outside the Basic Multilingual Plane as two surrogates, which are
/// neither letters nor digits, so a supplementary-plane letter (e.g. CJK Extension B) splits as punctuation would; the
/// Rust originals treat it as a letter. Microsoft.ML.Tokenizers' own cl100k tokenizer splits such text the same way as
/// this one.</para>
/// </remarks>
internal sealed class ByteLevelPreTokenizer
{
    /// <summary>The name of the Llama 3 pre-tokenizer, the default.</summary>
    public const string Llama3 = "llama3";

    /// <summary>The name of tiktoken's cl100k_base pre-tokenizer.</summary>
    public const string Cl100k = "cl100k";

    /// <summary>The name of GPT-2's pre-tokenizer.</summary>
    public const string Gpt2 = "gpt2";

    private const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string Cl100kPattern =
        @"'(?i:[sdmt]|ll|ve|re)|(?>[^\r\n\p{L}\p{N}]?)\p{L}+|\p{N}{1,3}| ?(?>[^\s\p{L}\p{N}]+)[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+";

    private const string Gpt2Pattern =
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>The <c>tokenizer.ggml.pre</c> values understood, and the pre-tokenizer each selects.</summary>
    public static IReadOnlyDictionary<string, string> KnownNames { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["llama3"] = Llama3,
        ["llama-bpe"] = Llama3,
        ["llama-v3"] = Llama3,
        ["dbrx"] = Llama3,
        ["smaug-bpe"] = Llama3,
        ["cl100k"] = Cl100k,
        ["cl100k_base"] = Cl100k,
        ["gpt-2"] = Gpt2,
        ["gpt2"] = Gpt2,
    };

    private ByteLevelPreTokenizer(string name, string pattern, bool wholeWordLookup)
    {
        Name = name;
        // Culture-invariant: the case-insensitive contractions must not depend on the current culture (Turkish 'I').
        Regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        WholeWordLookup = wholeWordLookup;
    }

    /// <summary><see cref="Llama3"/>, <see cref="Cl100k"/> or <see cref="Gpt2"/>.</summary>
    public string Name { get; }

    /// <summary>The word-splitting expression.</summary>
    public Regex Regex { get; }

    /// <summary>Whether a word that is itself a vocabulary entry is emitted whole, without merging (tiktoken, Llama 3).</summary>
    public bool WholeWordLookup { get; }

    /// <summary>The pre-tokenizer for a <c>tokenizer.ggml.pre</c> value; null (key missing) selects <see cref="Llama3"/>.</summary>
    /// <exception cref="NotSupportedException">The name is not one of <see cref="KnownNames"/>.</exception>
    public static ByteLevelPreTokenizer FromGgufName(string? pre)
    {
        var name = pre is null ? Llama3
            : KnownNames.TryGetValue(pre, out var known) ? known
            : throw new NotSupportedException(
                $"The byte-level BPE pre-tokenizer '{pre}' (tokenizer.ggml.pre) is not supported. Supported: " +
                $"{string.Join(", ", KnownNames.Keys)}; a missing key means llama3.");
        return name switch
        {
            Llama3 => new ByteLevelPreTokenizer(Llama3, Llama3Pattern, wholeWordLookup: true),
            Cl100k => new ByteLevelPreTokenizer(Cl100k, Cl100kPattern, wholeWordLookup: true),
            _ => new ByteLevelPreTokenizer(Gpt2, Gpt2Pattern, wholeWordLookup: false),
        };
    }
}
