using System.Text;
using System.Text.Json;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Tokenization;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Tokenization;

/// <summary>The TinyStories model's tokenizers and texts, loaded once for all tokenizer tests.</summary>
internal static class TokenizerTestData
{
    /// <summary>The line that separates held-out stories.</summary>
    public const string StorySeparator = "\n<|endoftext|>\n";

    private static readonly Lazy<BitNetTokenizer> s_fromModel =
        new(() => BitNetTokenizer.FromSentencePieceModel(SharedData.File("models", "tinystories-bitnet", "tokenizer.model")));

    private static readonly Lazy<BitNetTokenizer> s_fromGguf = new(() =>
    {
        using var file = GgufFile.Open(GgufPath);
        return BitNetTokenizer.FromGguf(file);
    });

    private static readonly Lazy<string[]> s_stories = new(LoadStories);

    public static string GgufPath => SharedData.File("models", "tinystories-bitnet", "tinystories-bitnet-4m-f16.gguf");

    public static BitNetTokenizer FromModel => s_fromModel.Value;

    public static BitNetTokenizer FromGguf => s_fromGguf.Value;

    /// <summary>The 156 held-out stories, without their separators.</summary>
    public static IReadOnlyList<string> Stories => s_stories.Value;

    /// <summary>Texts that stress whitespace, newlines, byte fallback and surrogate pairs.</summary>
    public static readonly string[] EdgeCases =
    [
        "",
        " ",
        "  leading",
        "trailing  ",
        "\n",
        "a\n\nb",
        "👩‍👩‍👧",
        "你好世界",
        "café naïve",
        "\t",
        "12345",
        "\n\nTwo leading newlines",
        "Ends with a newline\n",
        "   ",
        " \n \t ",
        "e\u0301 (combining accent) and 🐉 in 東京, 3.14!",
        "Tabs\tand\r\nCRLF",
        "<s> </s> <unk> <0x0A> look like special pieces but are text",
        "Once upon a time",
        "\"Nooo!\" Sooo sleepy. Zzzzzz. Wheeeee! tttttt eeee llll",
    ];

    /// <summary>The held-out stories and the edge cases, as xunit rows.</summary>
    public static IEnumerable<object[]> EdgeCaseRows() => EdgeCases.Select((_, i) => new object[] { i });

    /// <summary>The reference prompts with the ids SentencePiece produced for them (<c>reference_outputs.json</c>).</summary>
    public static IReadOnlyList<(string Prompt, int[] Ids)> ReferencePrompts()
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(SharedData.File("models", "tinystories-bitnet", "reference_outputs.json")));
        return json.RootElement.GetProperty("prompts").EnumerateArray()
            .Select(p => (p.GetProperty("prompt").GetString()!,
                          p.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray()))
            .ToList();
    }

    /// <summary>
    /// Splits <c>heldout-stories.txt</c>: stories are separated by "\n&lt;|endoftext|&gt;\n" (the separator line with the
    /// newline that ends the story before it), and the file ends with one newline after the last story.
    /// </summary>
    private static string[] LoadStories()
    {
        var text = File.ReadAllText(SharedData.File("models", "tinystories-bitnet", "heldout-stories.txt"), Encoding.UTF8);
        if (!text.EndsWith('\n')) throw new InvalidDataException("heldout-stories.txt should end with a newline.");
        return text[..^1].Split(StorySeparator);
    }
}
