using System.IO.Compression;
using System.Reflection;
using BitNet.Runtime.Tokenization;
using Microsoft.ML.Tokenizers;

namespace BitNet.Runtime.Tests.Tokenization;

/// <summary>
/// A byte-level GGUF vocabulary built from tiktoken's cl100k_base ranks (the Microsoft.ML.Tokenizers.Data.Cl100kBase
/// package), laid out as Llama 3's is: the 100,256 ranked tokens (id = rank) in GPT-2's byte alphabet, merges derived
/// from the ranks, then Llama-3 special tokens as control tokens. Its byte-level ids must equal
/// <c>TiktokenTokenizer.CreateForModel("gpt-4")</c>'s.
/// </summary>
/// <remarks>
/// Merges are derived from ranks the usual way (as converters from tiktoken to Hugging Face do): for every token of two
/// or more bytes, every split into two parts that are both tokens, the token's splits ordered by the ranks of their
/// left then right parts, all merges ordered by the rank of the token they make.
/// </remarks>
internal static class Cl100kGguf
{
    /// <summary>The number of ranked (ordinary) tokens in cl100k_base.</summary>
    public const int RankedCount = 100_256;

    /// <summary>Llama 3's first special tokens, in Llama 3's order; here they follow the ranked tokens.</summary>
    public static readonly string[] SpecialTokens =
    [
        "<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
        "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>", "<|start_header_id|>", "<|end_header_id|>",
        "<|eom_id|>", "<|eot_id|>", "<|python_tag|>",
    ];

    public const int BeginOfText = RankedCount;
    public const int EndOfText = RankedCount + 1;
    public const int StartHeader = RankedCount + 6;
    public const int EndHeader = RankedCount + 7;
    public const int EndOfMessage = RankedCount + 8;
    public const int EndOfTurn = RankedCount + 9;

    private static readonly Lazy<(string[] Tokens, int[] Types, string[] Merges)> s_vocabulary = new(Build);
    private static readonly Lazy<TiktokenTokenizer> s_tiktoken = new(() => TiktokenTokenizer.CreateForModel("gpt-4"));
    private static readonly Lazy<BitNetTokenizer> s_tokenizer = new(() => Create("cl100k"));

    /// <summary>Token texts by id.</summary>
    public static string[] Tokens => s_vocabulary.Value.Tokens;

    /// <summary>llama.cpp token types by id (1 normal, 3 control).</summary>
    public static int[] Types => s_vocabulary.Value.Types;

    /// <summary>The derived merges, highest priority first.</summary>
    public static string[] Merges => s_vocabulary.Value.Merges;

    /// <summary>Microsoft.ML.Tokenizers' own cl100k_base tokenizer, the reference.</summary>
    public static TiktokenTokenizer Tiktoken => s_tiktoken.Value;

    /// <summary>The tokenizer of <see cref="Gguf"/> with <c>tokenizer.ggml.pre = cl100k</c>, built once.</summary>
    public static BitNetTokenizer Tokenizer => s_tokenizer.Value;

    /// <summary>A metadata-only GGUF with this vocabulary; <paramref name="pre"/> null leaves <c>tokenizer.ggml.pre</c> out.</summary>
    public static TokenizerTestGguf Gguf(string? pre)
    {
        var gguf = new TokenizerTestGguf()
            .Set("tokenizer.ggml.model", "gpt2")
            .Set("tokenizer.ggml.tokens", Tokens)
            .Set("tokenizer.ggml.token_type", Types)
            .Set("tokenizer.ggml.merges", Merges)
            .Set("tokenizer.ggml.bos_token_id", (uint)BeginOfText)
            .Set("tokenizer.ggml.eos_token_id", (uint)EndOfText)
            .Set("tokenizer.ggml.add_bos_token", true);
        return pre is null ? gguf : gguf.Set("tokenizer.ggml.pre", pre);
    }

    /// <summary>Builds a tokenizer from <see cref="Gguf"/>.</summary>
    public static BitNetTokenizer Create(string? pre)
    {
        using var file = Gguf(pre).Load();
        return BitNetTokenizer.FromGguf(file);
    }

    private static (string[] Tokens, int[] Types, string[] Merges) Build()
    {
        var ranked = ReadRanks();
        var tokens = new string[RankedCount + SpecialTokens.Length];
        var types = new int[tokens.Length];
        var rankOf = new Dictionary<string, int>(RankedCount, StringComparer.Ordinal);
        for (var i = 0; i < RankedCount; i++)
        {
            tokens[i] = string.Concat(ranked[i].Select(b => ByteLevelAlphabet.ToChar(b)));
            types[i] = 1;
            rankOf.Add(tokens[i], i);
        }
        for (var i = 0; i < SpecialTokens.Length; i++)
        {
            tokens[RankedCount + i] = SpecialTokens[i];
            types[RankedCount + i] = 3;
        }

        var merges = new List<(int Rank, int Left, int Right, string Text)>();
        for (var rank = 0; rank < RankedCount; rank++)
        {
            var token = tokens[rank];
            for (var split = 1; split < token.Length; split++)
            {
                if (rankOf.TryGetValue(token[..split], out var left) && rankOf.TryGetValue(token[split..], out var right))
                    merges.Add((rank, left, right, $"{token[..split]} {token[split..]}"));
            }
        }
        merges.Sort((a, b) => (a.Rank, a.Left, a.Right).CompareTo((b.Rank, b.Left, b.Right)));
        return (tokens, types, [.. merges.Select(m => m.Text)]);
    }

    /// <summary>The ranked byte sequences from the data package's embedded <c>cl100k_base.tiktoken.deflate</c>
    /// (a "Capacity: N" line, then one base64 token per line, rank = line number).</summary>
    private static byte[][] ReadRanks()
    {
        var assembly = Assembly.Load("Microsoft.ML.Tokenizers.Data.Cl100kBase");
        using var resource = assembly.GetManifestResourceStream("cl100k_base.tiktoken.deflate")
            ?? throw new InvalidOperationException("The Cl100kBase data package has no cl100k_base.tiktoken.deflate resource.");
        using var inflated = new DeflateStream(resource, CompressionMode.Decompress);
        using var reader = new StreamReader(inflated);
        var ranks = new List<byte[]>(RankedCount);
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
            ranks.Add(Convert.FromBase64String(line.Split(' ')[0]));
        }
        if (ranks.Count != RankedCount) throw new InvalidDataException($"cl100k_base has {ranks.Count} ranked tokens, expected {RankedCount}.");
        return [.. ranks];
    }
}
