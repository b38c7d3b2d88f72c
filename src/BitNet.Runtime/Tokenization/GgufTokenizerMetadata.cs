using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// Reads the <c>tokenizer.ggml.*</c> metadata that llama.cpp's converters write (<c>_set_vocab_sentencepiece</c>) into a
/// <see cref="SentencePieceModel"/>, applying llama.cpp's defaults for the llama (SPM) tokenizer where keys are absent.
/// (Byte-level <c>gpt2</c> vocabularies are read by <see cref="ByteLevelVocabulary"/>.)
/// </summary>
internal static class GgufTokenizerMetadata
{
    public const string ModelKey = "tokenizer.ggml.model";
    public const string TokensKey = "tokenizer.ggml.tokens";
    public const string ScoresKey = "tokenizer.ggml.scores";
    public const string TokenTypeKey = "tokenizer.ggml.token_type";
    public const string BosKey = "tokenizer.ggml.bos_token_id";
    public const string EosKey = "tokenizer.ggml.eos_token_id";
    public const string UnknownKey = "tokenizer.ggml.unknown_token_id";
    public const string PaddingKey = "tokenizer.ggml.padding_token_id";
    public const string EotKey = "tokenizer.ggml.eot_token_id";
    public const string EomKey = "tokenizer.ggml.eom_token_id";
    public const string AddBosKey = "tokenizer.ggml.add_bos_token";
    public const string AddSpacePrefixKey = "tokenizer.ggml.add_space_prefix";
    public const string RemoveExtraWhitespacesKey = "tokenizer.ggml.remove_extra_whitespaces";

    /// <summary>The value of <c>tokenizer.ggml.model</c> for SentencePiece vocabularies.</summary>
    public const string SentencePieceModelName = "llama";

    /// <summary>The value of <c>tokenizer.ggml.model</c>.</summary>
    /// <exception cref="GgufFormatException">The key is missing.</exception>
    public static string ReadModelName(GgufFile file) =>
        file.Metadata.TryGetValue(ModelKey, out var value)
            ? value.AsString()
            : throw new GgufFormatException(ModelKey, -1, "the file has no tokenizer (this key is required to build one).", file.SourceName);

    public static SentencePieceModel ReadSentencePieceModel(GgufFile file, out bool addBos, out List<int> extraEndOfGenerationIds)
    {
        var metadata = file.Metadata;
        var source = file.SourceName;
        var modelName = ReadModelName(file);
        if (!string.Equals(modelName, SentencePieceModelName, StringComparison.Ordinal))
            throw new NotSupportedException(
                $"The GGUF tokenizer model '{modelName}' ({ModelKey}) is not supported. Supported: '{SentencePieceModelName}' " +
                "(SentencePiece BPE with byte fallback, as in Llama 2 and the TinyStories BitNet model) and " +
                $"'{ByteLevelVocabulary.GgufModelName}' (byte-level BPE, as in Llama 3 and BitNet b1.58 2B4T).");

        var tokensValue = metadata[TokensKey];
        var tokens = tokensValue.AsArray<string>();
        if (tokens.Length == 0) throw new GgufFormatException(TokensKey, tokensValue.Offset, "the vocabulary is empty.", source);
        for (var i = 0; i < tokens.Length; i++)
        {
            if (string.IsNullOrEmpty(tokens[i]))
                throw new GgufFormatException(TokensKey, tokensValue.Offset, $"token {i} is an empty string.", source);
        }

        var scores = new float[tokens.Length];
        if (metadata.TryGetValue(ScoresKey, out var scoresValue))
        {
            var stored = scoresValue.AsArray<float>();
            if (stored.Length != tokens.Length)
                throw new GgufFormatException(ScoresKey, scoresValue.Offset, $"has {stored.Length} entries but there are {tokens.Length} tokens.", source);
            stored.CopyTo(scores, 0);
        }

        var types = new SentencePiecePieceType[tokens.Length];
        if (metadata.TryGetValue(TokenTypeKey, out var typesValue))
        {
            var stored = typesValue.AsInt32Array();
            if (stored.Length != tokens.Length)
                throw new GgufFormatException(TokenTypeKey, typesValue.Offset, $"has {stored.Length} entries but there are {tokens.Length} tokens.", source);
            for (var i = 0; i < stored.Length; i++)
            {
                types[i] = stored[i] switch
                {
                    0 => SentencePiecePieceType.Normal, // llama.cpp's LLAMA_TOKEN_TYPE_UNDEFINED
                    >= 1 and <= 6 => (SentencePiecePieceType)stored[i],
                    _ => throw new GgufFormatException(TokenTypeKey, typesValue.Offset, $"token {i} has unknown type {stored[i]}.", source),
                };
            }
        }
        else
        {
            // Without types, recognise byte pieces by their form; special ids are marked below.
            for (var i = 0; i < tokens.Length; i++)
                types[i] = SentencePieceDecoder.ParseBytePiece(tokens[i]) >= 0 ? SentencePiecePieceType.Byte : SentencePiecePieceType.Normal;
        }

        var unknownId = ReadId(file, UnknownKey, 0, tokens.Length, allowNone: false);
        var bosId = ReadId(file, BosKey, 1, tokens.Length, allowNone: true);
        var eosId = ReadId(file, EosKey, 2, tokens.Length, allowNone: true);
        var padId = ReadId(file, PaddingKey, -1, tokens.Length, allowNone: true);
        if (!metadata.ContainsKey(TokenTypeKey))
        {
            types[unknownId] = SentencePiecePieceType.Unknown;
            if (bosId >= 0) types[bosId] = SentencePiecePieceType.Control;
            if (eosId >= 0) types[eosId] = SentencePiecePieceType.Control;
        }

        extraEndOfGenerationIds = [];
        foreach (var key in (ReadOnlySpan<string>)[EotKey, EomKey])
        {
            var id = ReadId(file, key, -1, tokens.Length, allowNone: true);
            if (id >= 0) extraEndOfGenerationIds.Add(id);
        }

        addBos = metadata.GetBooleanOrDefault(AddBosKey, true);
        return new SentencePieceModel(tokens, scores, types)
        {
            // llama.cpp tokenizes every 'llama' vocabulary with the score-driven merge algorithm of SentencePiece BPE.
            ModelType = SentencePieceModel.ModelTypeBpe,
            ByteFallback = Array.IndexOf(types, SentencePiecePieceType.Byte) >= 0,
            UnknownId = unknownId,
            BosId = bosId,
            EosId = eosId,
            PadId = padId,
            NormalizerName = "identity",
            AddDummyPrefix = metadata.GetBooleanOrDefault(AddSpacePrefixKey, true),
            RemoveExtraWhitespaces = metadata.GetBooleanOrDefault(RemoveExtraWhitespacesKey, false),
            EscapeWhitespaces = true,
        };
    }

    private static int ReadId(GgufFile file, string key, int defaultValue, int count, bool allowNone)
    {
        if (!file.Metadata.TryGetValue(key, out var value)) return defaultValue;
        var id = value.AsInt64();
        if (id >= 0 && id < count) return (int)id;
        if (allowNone && id is -1 or uint.MaxValue) return -1; // "none", also when stored as uint32
        throw new GgufFormatException(key, value.Offset, $"token id {id} is outside the vocabulary (0..{count - 1}).", file.SourceName);
    }
}
