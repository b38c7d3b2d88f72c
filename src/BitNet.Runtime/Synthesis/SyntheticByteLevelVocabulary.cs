using System.Text;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Tokenization;

namespace BitNet.Runtime.Synthesis;

/// <summary>
/// A byte-level BPE vocabulary of any size (at least <see cref="MinimumSize"/>), laid out as Llama 3's and BitNet b1.58
/// 2B4T's: ordinary tokens in GPT-2's byte alphabet first (the 256 byte tokens, then the merges' results), then
/// <see cref="SpecialCount"/> Llama-3 special tokens at the end (<c>&lt;|begin_of_text|&gt;</c>,
/// <c>&lt;|end_of_text|&gt;</c>, …, <c>&lt;|eot_id|&gt;</c>, reserved tokens). For 128,256 tokens the special ids are
/// Llama 3's: BOS 128000, EOS 128001, EOT 128009.
/// </summary>
/// <remarks>
/// <para><b>Merges</b>, deterministic: first BPE training on a small embedded English corpus (split with the Llama-3
/// pre-tokenizer; at each step the most frequent adjacent pair, ties broken by ordinal order of the pair's texts,
/// until no pair occurs twice), so that ordinary English text gets multi-byte tokens; then, to reach the exact size,
/// extensions of the tokens so far by one letter (in token order, letters by English frequency), skipping texts that
/// already exist. Every merge's two sides and its result are tokens, so the vocabulary is a valid BPE for this engine
/// and for llama.cpp-family loaders.</para>
/// <para>Written as <c>tokenizer.ggml.model = gpt2</c>, <c>tokenizer.ggml.pre = llama-bpe</c>, <c>tokens</c>,
/// <c>token_type</c> (1 ordinary, 3 control), <c>merges</c>, and the BOS, EOS and EOT ids.</para>
/// </remarks>
public sealed class SyntheticByteLevelVocabulary
{
    /// <summary>The number of special tokens at the end (Llama 3's 256).</summary>
    public const int SpecialCount = 256;

    /// <summary>The smallest size: the 256 byte tokens and the special tokens.</summary>
    public const int MinimumSize = 256 + SpecialCount;

    private const int Normal = 1, Control = 3;

    // By English letter frequency, so that padding tokens favour likely continuations.
    private const string Letters = "etaoinshrdlcumwfgypbvkjxqz";

    private const string Corpus =
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the sunshine with her dog. " +
        "One day, she saw a big red ball in the park and wanted to play with it. \"Can I play too?\" asked her friend Tom. " +
        "They played together all day and had a lot of fun. When the sun went down, they went home happy and tired. " +
        "The model reads text as tokens: numbers like 1, 42 and 2025, punctuation, and words that it has seen before. " +
        "Hello! How are you today? I'm fine, thank you. What would you like to talk about? Let's write a short story.\n" +
        "System: You are a helpful assistant.\nUser: Tell me about the weather.\nAssistant: It is sunny and warm.\n" +
        "The quick brown fox jumps over the lazy dog. She said that they were going to the market in the morning, " +
        "because there was nothing left to eat at home. He thought about it for a while and then he agreed with her.";

    private SyntheticByteLevelVocabulary(string[] tokens, int[] types, string[] merges)
    {
        Tokens = tokens;
        Types = types;
        Merges = merges;
    }

    /// <summary>The token texts, by id.</summary>
    public string[] Tokens { get; }

    /// <summary>The llama.cpp token types, by id (1 ordinary, 3 control).</summary>
    public int[] Types { get; }

    /// <summary>The merges, highest priority first, each <c>"left right"</c>.</summary>
    public string[] Merges { get; }

    /// <summary>The id of <c>&lt;|begin_of_text|&gt;</c>.</summary>
    public int BosId => Tokens.Length - SpecialCount;

    /// <summary>The id of <c>&lt;|end_of_text|&gt;</c>.</summary>
    public int EosId => BosId + 1;

    /// <summary>The id of <c>&lt;|eot_id|&gt;</c>.</summary>
    public int EotId => BosId + 9;

    /// <summary>
    /// The tokenizer of this vocabulary, as a GGUF file holding only its tokenizer metadata would load it (BOS, EOS and
    /// EOT set), without a model: for tokenizer-level tests and benchmarks.
    /// </summary>
    public BitNetTokenizer CreateTokenizer()
    {
        using var buffer = new MemoryStream();
        using (var writer = new GgufWriter(buffer, leaveOpen: true))
        {
            writer.AddString("tokenizer.ggml.model", "gpt2").AddString("tokenizer.ggml.pre", "llama-bpe")
                  .AddArray("tokenizer.ggml.tokens", Tokens).AddArray("tokenizer.ggml.token_type", Types)
                  .AddArray("tokenizer.ggml.merges", Merges).AddUInt32("tokenizer.ggml.bos_token_id", (uint)BosId)
                  .AddUInt32("tokenizer.ggml.eos_token_id", (uint)EosId).AddUInt32("tokenizer.ggml.eot_token_id", (uint)EotId);
            writer.WriteHeader();
            writer.Complete();
        }

        using var file = GgufFile.Load(buffer.ToArray(), "<synthetic vocabulary>");
        return BitNetTokenizer.FromGguf(file);
    }

    /// <summary>Builds a vocabulary of exactly <paramref name="size"/> tokens.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is below <see cref="MinimumSize"/> or above 2^22.</exception>
    public static SyntheticByteLevelVocabulary Create(int size)
    {
        if (size is < MinimumSize or > ByteLevelVocabulary.MaxTokens)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"A synthetic byte-level vocabulary has {MinimumSize} to {ByteLevelVocabulary.MaxTokens} tokens.");
        var ordinaryCount = size - SpecialCount;
        var tokens = new List<string>(size);
        var known = new HashSet<string>(size, StringComparer.Ordinal);
        var merges = new List<string>(ordinaryCount);
        for (var b = 0; b < 256; b++)
        {
            tokens.Add(ByteLevelAlphabet.ToChar((byte)b).ToString());
            known.Add(tokens[^1]);
        }

        void AddMerge(string left, string right)
        {
            // Two pairs can make the same text ("a"+"bc", "ab"+"c"): a second merge for a token is valid BPE.
            if (known.Add(left + right)) tokens.Add(left + right);
            merges.Add($"{left} {right}");
        }

        Train(ordinaryCount, tokens, known, AddMerge);
        Pad(ordinaryCount, tokens, known, AddMerge);

        var types = new int[size];
        Array.Fill(types, Normal, 0, ordinaryCount);
        Array.Fill(types, Control, ordinaryCount, SpecialCount);
        tokens.AddRange(SpecialTokens());
        return new SyntheticByteLevelVocabulary([.. tokens], types, [.. merges]);
    }

    /// <summary>Llama 3's special tokens, in its order.</summary>
    private static IEnumerable<string> SpecialTokens()
    {
        string[] named =
        [
            "<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
            "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>", "<|start_header_id|>", "<|end_header_id|>",
            "<|eom_id|>", "<|eot_id|>", "<|python_tag|>",
        ];
        foreach (var token in named) yield return token;
        for (var i = 3; i < SpecialCount - named.Length + 3; i++) yield return $"<|reserved_special_token_{i}|>";
    }

    /// <summary>Plain BPE training on the embedded corpus: merge the most frequent pair until none occurs twice.</summary>
    private static void Train(int ordinaryCount, List<string> tokens, HashSet<string> known, Action<string, string> addMerge)
    {
        var pre = ByteLevelPreTokenizer.FromGgufName(null);
        var wordCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var match in pre.Regex.EnumerateMatches(Corpus))
        {
            var word = ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(Corpus.Substring(match.Index, match.Length)));
            wordCounts[word] = wordCounts.GetValueOrDefault(word) + 1;
        }
        var words = wordCounts.Select(w => (Symbols: w.Key.Select(c => c.ToString()).ToList(), Count: w.Value)).ToList();

        var pairs = new Dictionary<(string, string), int>();
        while (tokens.Count < ordinaryCount)
        {
            pairs.Clear();
            foreach (var (symbols, count) in words)
                for (var i = 0; i + 1 < symbols.Count; i++)
                    pairs[(symbols[i], symbols[i + 1])] = pairs.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;

            (string Left, string Right)? found = null;
            var bestCount = 1;
            foreach (var (pair, count) in pairs)
            {
                if (count > bestCount || count == bestCount && found is { } current && ComparePairs(pair, current) < 0)
                {
                    found = pair;
                    bestCount = count;
                }
            }
            if (found is not { } best) return;
            addMerge(best.Left, best.Right);

            foreach (var (symbols, _) in words)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] != best.Left || symbols[i + 1] != best.Right) continue;
                    symbols[i] = best.Left + best.Right;
                    symbols.RemoveAt(i + 1);
                }
            }
        }
    }

    private static int ComparePairs((string Left, string Right) a, (string Left, string Right) b)
    {
        var left = string.CompareOrdinal(a.Left, b.Left);
        return left != 0 ? left : string.CompareOrdinal(a.Right, b.Right);
    }

    /// <summary>Extends the tokens so far by one letter each, in token order, until the size is reached.</summary>
    private static void Pad(int ordinaryCount, List<string> tokens, HashSet<string> known, Action<string, string> addMerge)
    {
        for (var source = 0; tokens.Count < ordinaryCount; source++)
        {
            var token = tokens[source];
            foreach (var letter in Letters)
            {
                if (tokens.Count == ordinaryCount) return;
                var right = letter.ToString();
                if (!known.Contains(token + right)) addMerge(token, right);
            }
        }
    }
}
