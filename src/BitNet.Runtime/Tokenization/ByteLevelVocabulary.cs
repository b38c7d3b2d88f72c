using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// A byte-level BPE vocabulary (GGUF <c>tokenizer.ggml.model = gpt2</c>: GPT-2, Llama 3, BitNet b1.58 2B4T) read from a
/// GGUF and checked before anything is built from it: sizes within bounds, token texts unique and in GPT-2's byte
/// alphabet, all 256 byte tokens present, every merge <c>"left right"</c> with both sides and their concatenation in
/// the vocabulary, special ids inside it. Each violation raises <see cref="GgufFormatException"/> naming the key, the
/// entry and what was expected.
/// </summary>
internal sealed class ByteLevelVocabulary
{
    /// <summary>The most tokens accepted (Llama 3 has 128,256; the largest public vocabularies about 256k).</summary>
    public const int MaxTokens = 1 << 22;

    /// <summary>The most merges accepted (Llama 3 has 280,147).</summary>
    public const int MaxMerges = 1 << 23;

    /// <summary>The value of <c>tokenizer.ggml.model</c> for byte-level BPE vocabularies.</summary>
    public const string GgufModelName = "gpt2";

    /// <summary>The key naming the pre-tokenizer.</summary>
    public const string PreKey = "tokenizer.ggml.pre";

    /// <summary>The key of the merges.</summary>
    public const string MergesKey = "tokenizer.ggml.merges";

    /// <summary>Texts a beginning-of-sequence token is found by when <c>bos_token_id</c> is missing.</summary>
    private static readonly string[] s_bosTexts = ["<|begin_of_text|>", "<s>"];

    /// <summary>Texts an end-of-sequence token is found by when <c>eos_token_id</c> is missing.</summary>
    private static readonly string[] s_eosTexts = ["<|end_of_text|>", "<|endoftext|>", "</s>"];

    private ByteLevelVocabulary(string[] tokens, TokenType[] types, string[] merges, Dictionary<string, int> ids)
    {
        Tokens = tokens;
        Types = types;
        Merges = merges;
        Ids = ids;
    }

    /// <summary>llama.cpp's token types (GGUF <c>tokenizer.ggml.token_type</c>).</summary>
    public enum TokenType
    {
        /// <summary>0: not given; treated as normal.</summary>
        Undefined = 0,
        /// <summary>1: an ordinary token, text in the byte alphabet.</summary>
        Normal = 1,
        /// <summary>2: the unknown token.</summary>
        Unknown = 2,
        /// <summary>3: a control token such as <c>&lt;|eot_id|&gt;</c>; never produced from text, decodes to nothing.</summary>
        Control = 3,
        /// <summary>4: a user-defined token, literal text.</summary>
        UserDefined = 4,
        /// <summary>5: unused.</summary>
        Unused = 5,
        /// <summary>6: a byte token.</summary>
        Byte = 6,
    }

    /// <summary>Token texts by id, as stored (byte-alphabet form for ordinary tokens).</summary>
    public string[] Tokens { get; }

    /// <summary>Token types by id.</summary>
    public TokenType[] Types { get; }

    /// <summary>The merges, highest priority first, each <c>"left right"</c>.</summary>
    public string[] Merges { get; }

    /// <summary>Id by token text.</summary>
    public Dictionary<string, int> Ids { get; }

    /// <summary>The beginning-of-sequence id, or -1.</summary>
    public int BosId { get; private init; } = -1;

    /// <summary>The end-of-sequence id, or -1.</summary>
    public int EosId { get; private init; } = -1;

    /// <summary>Whether encoding prepends <see cref="BosId"/> by default.</summary>
    public bool AddBos { get; private init; }

    /// <summary>The value of <c>tokenizer.ggml.pre</c>, or null when missing.</summary>
    public string? PreTokenizerName { get; private init; }

    /// <summary><c>eot_token_id</c>/<c>eom_token_id</c> when given.</summary>
    public List<int> ExtraEndOfGenerationIds { get; } = [];

    /// <summary>Whether the token is text in the byte alphabet (everything but control and user-defined tokens).</summary>
    public bool IsByteText(int id) => Types[id] is not (TokenType.Control or TokenType.UserDefined);

    /// <summary>Reads and checks the vocabulary of a GGUF whose <c>tokenizer.ggml.model</c> is <c>gpt2</c>.</summary>
    /// <exception cref="GgufFormatException">A key is missing, malformed or inconsistent.</exception>
    public static ByteLevelVocabulary Read(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var metadata = file.Metadata;
        var source = file.SourceName;

        var tokensValue = metadata.TryGetValue(GgufTokenizerMetadata.TokensKey, out var tv)
            ? tv : throw new GgufFormatException(GgufTokenizerMetadata.TokensKey, -1, "is missing; a byte-level BPE vocabulary needs it.", source);
        var tokens = AsStrings(tokensValue, source);
        if (tokens.Length is 0 or > MaxTokens)
            throw new GgufFormatException(GgufTokenizerMetadata.TokensKey, tokensValue.Offset, $"has {tokens.Length} tokens; expected 1 to {MaxTokens}.", source);

        var types = new TokenType[tokens.Length];
        if (metadata.TryGetValue(GgufTokenizerMetadata.TokenTypeKey, out var typesValue))
        {
            var stored = typesValue.AsInt32Array();
            if (stored.Length != tokens.Length)
                throw new GgufFormatException(GgufTokenizerMetadata.TokenTypeKey, typesValue.Offset, $"has {stored.Length} entries but there are {tokens.Length} tokens.", source);
            for (var i = 0; i < stored.Length; i++)
            {
                types[i] = stored[i] is >= 0 and <= 6
                    ? (TokenType)stored[i]
                    : throw new GgufFormatException(GgufTokenizerMetadata.TokenTypeKey, typesValue.Offset, $"token {i} has unknown type {stored[i]} (expected 0 to 6).", source);
            }
        }
        else
        {
            // Without types, special tokens are recognised by their form: "<|...|>", or text outside the byte alphabet.
            for (var i = 0; i < tokens.Length; i++)
                types[i] = LooksSpecial(tokens[i]) ? TokenType.Control : TokenType.Normal;
        }

        var ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (string.IsNullOrEmpty(token))
                throw new GgufFormatException(GgufTokenizerMetadata.TokensKey, tokensValue.Offset, $"token {i} is an empty string.", source);
            if (!ids.TryAdd(token, i))
                throw new GgufFormatException(GgufTokenizerMetadata.TokensKey, tokensValue.Offset, $"token {i} '{Printable(token)}' repeats token {ids[token]}.", source);
            if (types[i] is not (TokenType.Control or TokenType.UserDefined) && ByteLevelAlphabet.TryDecode(token) is null)
                throw new GgufFormatException(GgufTokenizerMetadata.TokensKey, tokensValue.Offset,
                    $"token {i} '{Printable(token)}' has type {types[i]} but contains a character outside GPT-2's byte alphabet.", source);
        }

        // Byte-level BPE starts from one token per byte: without all 256, some texts could not be encoded at all.
        for (var b = 0; b < 256; b++)
        {
            var text = ByteLevelAlphabet.ToChar((byte)b).ToString();
            if (!ids.TryGetValue(text, out var id) || !IsMergeable(types[id]))
                throw new GgufFormatException(GgufTokenizerMetadata.TokensKey, tokensValue.Offset,
                    $"has no ordinary token for byte 0x{b:X2} ('{text}'); a byte-level vocabulary needs all 256.", source);
        }

        var merges = ReadMerges(file, ids, types);
        var bosId = ReadSpecialId(file, GgufTokenizerMetadata.BosKey, tokens.Length, ids, s_bosTexts);
        var eosId = ReadSpecialId(file, GgufTokenizerMetadata.EosKey, tokens.Length, ids, s_eosTexts);
        var pre = metadata.TryGetValue(PreKey, out var preValue) ? preValue.AsString() : null;
        var vocabulary = new ByteLevelVocabulary(tokens, types, merges, ids)
        {
            BosId = bosId,
            EosId = eosId,
            PreTokenizerName = pre,
            // llama.cpp adds BOS for Llama 3 vocabularies unless the file says otherwise.
            AddBos = metadata.GetBooleanOrDefault(GgufTokenizerMetadata.AddBosKey, bosId >= 0) && bosId >= 0,
        };
        foreach (var key in (ReadOnlySpan<string>)[GgufTokenizerMetadata.EotKey, GgufTokenizerMetadata.EomKey])
        {
            var id = ReadSpecialId(file, key, tokens.Length, ids, []);
            if (id >= 0) vocabulary.ExtraEndOfGenerationIds.Add(id);
        }
        return vocabulary;
    }

    private static bool LooksSpecial(string token) =>
        token.Length > 4 && token.StartsWith("<|", StringComparison.Ordinal) && token.EndsWith("|>", StringComparison.Ordinal) ||
        ByteLevelAlphabet.TryDecode(token) is null;

    private static bool IsMergeable(TokenType type) => type is not (TokenType.Control or TokenType.UserDefined);

    private static string[] ReadMerges(GgufFile file, Dictionary<string, int> ids, TokenType[] types)
    {
        var source = file.SourceName;
        if (!file.Metadata.TryGetValue(MergesKey, out var value))
            throw new GgufFormatException(MergesKey, -1, "is missing; a byte-level BPE vocabulary needs its merges.", source);
        var merges = AsStrings(value, source);
        if (merges.Length > MaxMerges)
            throw new GgufFormatException(MergesKey, value.Offset, $"has {merges.Length} merges; at most {MaxMerges} are accepted.", source);

        var lookup = ids.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> joined = stackalloc char[256];
        for (var i = 0; i < merges.Length; i++)
        {
            var merge = merges[i].AsSpan();
            var space = merge.IndexOf(' ');
            if (space <= 0 || space == merge.Length - 1 || merge[(space + 1)..].Contains(' '))
                throw new GgufFormatException(MergesKey, value.Offset, $"merge {i} '{Printable(merges[i])}' is not two tokens separated by one space.", source);
            var left = merge[..space];
            var right = merge[(space + 1)..];
            var buffer = merge.Length - 1 <= joined.Length ? joined : new char[merge.Length - 1];
            left.CopyTo(buffer);
            right.CopyTo(buffer[left.Length..]);
            var result = buffer[..(merge.Length - 1)];
            if (!IsMergeableToken(lookup, types, left) || !IsMergeableToken(lookup, types, right) || !IsMergeableToken(lookup, types, result))
                throw new GgufFormatException(MergesKey, value.Offset,
                    $"merge {i} '{Printable(merges[i])}': the two sides and their concatenation must all be ordinary tokens of the vocabulary.", source);
        }
        return merges;
    }

    private static bool IsMergeableToken(Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup, TokenType[] types, ReadOnlySpan<char> text) =>
        lookup.TryGetValue(text, out var id) && IsMergeable(types[id]);

    private static int ReadSpecialId(GgufFile file, string key, int count, Dictionary<string, int> ids, string[] texts)
    {
        if (file.Metadata.TryGetValue(key, out var value))
        {
            var id = value.AsInt64();
            if (id >= 0 && id < count) return (int)id;
            if (id is -1 or uint.MaxValue) return -1; // "none", also when stored as uint32
            throw new GgufFormatException(key, value.Offset, $"token id {id} is outside the vocabulary (0..{count - 1}).", file.SourceName);
        }
        foreach (var text in texts)
            if (ids.TryGetValue(text, out var id)) return id;
        return -1;
    }

    private static string[] AsStrings(GgufValue value, string? source) =>
        value.Value as string[] ?? throw new GgufFormatException(value.Key, value.Offset, $"must be an array of strings, not {value.Type}.", source);

    private static string Printable(string text)
    {
        var shown = text.Length > 40 ? text[..40] + "…" : text;
        return string.Create(shown.Length, shown, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++) span[i] = char.IsControl(s[i]) ? '?' : s[i];
        });
    }
}
