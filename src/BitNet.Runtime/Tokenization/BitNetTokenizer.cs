using System.Text;
using BitNet.Runtime.Gguf;
using Microsoft.ML.Tokenizers;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// The tokenizer of a BitNet (or other llama-family) model, built on Microsoft.ML.Tokenizers and loaded from a GGUF
/// file's own <c>tokenizer.ggml.*</c> metadata (so that a GGUF alone suffices) or from a SentencePiece
/// <c>tokenizer.model</c>. Two kinds are supported, chosen by <c>tokenizer.ggml.model</c>:
/// </summary>
/// <remarks>
/// <para><b><c>llama</c>: SentencePiece BPE with byte fallback</b> (Llama 2, the shipped TinyStories model). The
/// Microsoft.ML.Tokenizers object (<see cref="Inner"/>, a <see cref="SentencePieceTokenizer"/>) is created from the
/// SentencePiece <c>ModelProto</c>: the <c>tokenizer.model</c> bytes as they are, or, for a GGUF, a <c>ModelProto</c>
/// synthesized from <c>tokenizer.ggml.tokens/scores/token_type</c>. Encoding normalizes with that object and then runs
/// SentencePiece's BPE merge (the internal <c>SentencePieceBpeEncoder</c>), because Microsoft.ML.Tokenizers 2.0.1 breaks
/// ties between equal-score merges the other way round from SentencePiece. Decoding reproduces SentencePiece's rules
/// (the internal <c>SentencePieceDecoder</c>).</para>
/// <para><b><c>gpt2</c>: byte-level BPE</b> (GPT-2, Llama 3, BitNet b1.58 2B4T). <see cref="Inner"/> is a
/// <see cref="BpeTokenizer"/> with the GGUF's tokens and ranked merges in GPT-2's byte alphabet; words are split by the
/// regular expression <c>tokenizer.ggml.pre</c> names (<see cref="PreTokenizer"/>; Llama 3's when the key is missing),
/// and a word that is itself a token is emitted whole, as tiktoken and llama.cpp do. Special tokens (<c>&lt;|eot_id|&gt;</c>
/// and the like) are never produced from text; find them with <see cref="FindPiece"/>. Missing
/// <c>bos_token_id</c>/<c>eos_token_id</c> keys are resolved by text (<c>&lt;|begin_of_text|&gt;</c>,
/// <c>&lt;|end_of_text|&gt;</c>).</para>
/// <para>The beginning-of-sequence id is added per <see cref="AddBos"/>, also for an empty text, as SentencePiece and
/// llama.cpp do. Instances are immutable and safe to use from several threads. <see cref="StreamingDetokenizer"/>
/// instances are not: create one per sequence.</para>
/// </remarks>
public sealed class BitNetTokenizer
{
    /// <summary>Texts of end-of-turn pieces that llama.cpp also treats as end of generation, when they are special pieces.</summary>
    private static readonly HashSet<string> s_endOfGenerationTexts = new(StringComparer.Ordinal)
    {
        "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>",
    };

    [ThreadStatic] private static List<int>? t_countBuffer;

    private readonly TokenizerBackend _backend;
    private readonly int[] _endOfGenerationIds;

    private BitNetTokenizer(TokenizerBackend backend, int bosId, int eosId, int unknownId, bool addBos,
        IEnumerable<int> extraEndOfGenerationIds, Func<int, bool> isSpecial)
    {
        _backend = backend;
        BosId = IsValidId(bosId) ? bosId : -1;
        EosId = IsValidId(eosId) ? eosId : -1;
        UnknownId = IsValidId(unknownId) ? unknownId : -1;
        AddBos = addBos && BosId >= 0;

        var endOfGeneration = new SortedSet<int>();
        if (EosId >= 0) endOfGeneration.Add(EosId);
        foreach (var id in extraEndOfGenerationIds)
            if (IsValidId(id)) endOfGeneration.Add(id);
        for (var id = 0; id < backend.Count; id++)
        {
            if (isSpecial(id) && s_endOfGenerationTexts.Contains(backend.GetPieceText(id)))
                endOfGeneration.Add(id);
        }
        _endOfGenerationIds = [.. endOfGeneration];
    }

    /// <summary>
    /// The Microsoft.ML.Tokenizers object the tokenizer is built on: a <see cref="SentencePieceTokenizer"/> for
    /// SentencePiece vocabularies, a <see cref="BpeTokenizer"/> for byte-level ones.
    /// </summary>
    /// <remarks>Its BOS setting equals <see cref="AddBos"/> for SentencePiece and is off for byte-level BPE. Its own
    /// <c>EncodeToIds</c> and <c>Decode</c> differ from <see cref="Encode"/> and <see cref="Decode"/> in corner cases
    /// (SentencePiece: ties between equal-score merges, merges into control pieces, the empty text, invalid UTF-8,
    /// <c>&lt;unk&gt;</c>; byte-level: whole-word lookup, special-token text in the input, BOS).</remarks>
    public Tokenizer Inner => _backend.Inner;

    /// <summary>The number of pieces in the vocabulary; valid ids are 0 to <c>VocabularySize - 1</c>.</summary>
    public int VocabularySize => _backend.Count;

    /// <summary>The beginning-of-sequence id (<c>&lt;s&gt;</c>, <c>&lt;|begin_of_text|&gt;</c>), or -1 when the vocabulary has none.</summary>
    public int BosId { get; }

    /// <summary>The end-of-sequence id (<c>&lt;/s&gt;</c>, <c>&lt;|end_of_text|&gt;</c>), or -1 when the vocabulary has none.</summary>
    public int EosId { get; }

    /// <summary>The id of <c>&lt;unk&gt;</c>, or -1 when the vocabulary has none (byte-level BPE never needs one).</summary>
    public int UnknownId { get; }

    /// <summary>Whether <see cref="Encode"/> prepends <see cref="BosId"/> by default (GGUF: <c>tokenizer.ggml.add_bos_token</c>).</summary>
    public bool AddBos { get; }

    /// <summary>
    /// The word-splitting rule of a byte-level BPE vocabulary: <c>llama3</c>, <c>cl100k</c> or <c>gpt2</c> (from
    /// <c>tokenizer.ggml.pre</c>; <c>llama3</c> when the key is missing). Null for SentencePiece.
    /// </summary>
    public string? PreTokenizer => _backend.PreTokenizerName;

    /// <summary>
    /// The ids that end generation: <see cref="EosId"/>, the GGUF's <c>eot_token_id</c>/<c>eom_token_id</c> when given,
    /// and control or user-defined pieces with a known end-of-turn text such as <c>&lt;|eot_id|&gt;</c>. Sorted.
    /// </summary>
    public IReadOnlyList<int> EndOfGenerationIds => _endOfGenerationIds;

    /// <summary>Whether <paramref name="id"/> is one of <see cref="EndOfGenerationIds"/>.</summary>
    public bool IsEndOfGeneration(int id) => Array.BinarySearch(_endOfGenerationIds, id) >= 0;

    /// <summary>Builds the tokenizer from a GGUF file's <c>tokenizer.ggml.*</c> metadata.</summary>
    /// <param name="file">An open GGUF file.</param>
    /// <exception cref="NotSupportedException"><c>tokenizer.ggml.model</c> is neither <c>llama</c> nor <c>gpt2</c>, or
    /// <c>tokenizer.ggml.pre</c> names an unknown pre-tokenizer.</exception>
    /// <exception cref="GgufFormatException">The tokenizer metadata is missing, malformed or inconsistent.</exception>
    public static BitNetTokenizer FromGguf(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (GgufTokenizerMetadata.ReadModelName(file) == ByteLevelVocabulary.GgufModelName)
        {
            var vocabulary = ByteLevelVocabulary.Read(file);
            var backend = new ByteLevelBpeBackend(vocabulary);
            return new BitNetTokenizer(backend, vocabulary.BosId, vocabulary.EosId, -1, vocabulary.AddBos,
                vocabulary.ExtraEndOfGenerationIds, id => !vocabulary.IsByteText(id));
        }
        var model = GgufTokenizerMetadata.ReadSentencePieceModel(file, out var addBos, out var extraEndOfGeneration);
        var inner = CreateInner(model, model.ToProtobuf(), addBos);
        return FromSentencePiece(model, inner, addBos, extraEndOfGeneration);
    }

    private static BitNetTokenizer FromSentencePiece(SentencePieceModel model, SentencePieceTokenizer inner, bool addBos, IEnumerable<int> extraEndOfGeneration) =>
        new(new SentencePieceBackend(model, inner), model.BosId, model.EosId, model.UnknownId, addBos, extraEndOfGeneration,
            id => model.Types[id] is SentencePiecePieceType.Control or SentencePiecePieceType.UserDefined);

    /// <summary>Loads a SentencePiece <c>tokenizer.model</c> file.</summary>
    /// <param name="path">The path of the serialized <c>ModelProto</c>.</param>
    /// <param name="addBos">Whether <see cref="Encode"/> prepends the beginning-of-sequence id by default.</param>
    /// <exception cref="InvalidDataException">The file is not a SentencePiece model.</exception>
    /// <exception cref="NotSupportedException">The model is not a BPE model with identity normalization.</exception>
    public static BitNetTokenizer FromSentencePieceModel(string path, bool addBos = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return FromSentencePieceBytes(File.ReadAllBytes(path), path, addBos);
    }

    /// <summary>Loads a SentencePiece <c>ModelProto</c> from a stream (read to its end; not disposed).</summary>
    /// <param name="stream">The stream holding the serialized model.</param>
    /// <param name="addBos">Whether <see cref="Encode"/> prepends the beginning-of-sequence id by default.</param>
    /// <exception cref="InvalidDataException">The stream does not hold a SentencePiece model.</exception>
    /// <exception cref="NotSupportedException">The model is not a BPE model with identity normalization.</exception>
    public static BitNetTokenizer FromSentencePieceModel(Stream stream, bool addBos = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return FromSentencePieceBytes(buffer.ToArray(), "<stream>", addBos);
    }

    private static BitNetTokenizer FromSentencePieceBytes(byte[] bytes, string sourceName, bool addBos)
    {
        var model = SentencePieceModel.Parse(bytes, sourceName);
        return FromSentencePiece(model, CreateInner(model, bytes, addBos), addBos, []);
    }

    private static SentencePieceTokenizer CreateInner(SentencePieceModel model, byte[] serializedModel, bool addBos)
    {
        CheckSupported(model);
        using var stream = new MemoryStream(serializedModel, writable: false);
        return SentencePieceTokenizer.Create(stream, addBeginningOfSentence: addBos, addEndOfSentence: false);
    }

    /// <summary>Rejects models whose encoding Microsoft.ML.Tokenizers 2.0.1 would not reproduce faithfully.</summary>
    private static void CheckSupported(SentencePieceModel model)
    {
        if (model.ModelType != SentencePieceModel.ModelTypeBpe)
            throw new NotSupportedException(
                $"SentencePiece model type {SentencePieceModel.ModelTypeName(model.ModelType)} is not supported; only BPE models (Llama style) are.");
        if (model.PrecompiledCharsmapLength > 0)
            throw new NotSupportedException(
                $"SentencePiece normalization rule '{model.NormalizerName}' is not supported; only identity normalization is " +
                "(Microsoft.ML.Tokenizers 2.0.1 does not apply a precompiled character map).");
        if (model.TreatWhitespaceAsSuffix)
            throw new NotSupportedException("SentencePiece models with treat_whitespace_as_suffix are not supported.");
        if (!IsInRange(model.UnknownId, model.Count) || model.Types[model.UnknownId] != SentencePiecePieceType.Unknown)
            throw new InvalidDataException($"The unknown-piece id {model.UnknownId} does not name a piece of type UNKNOWN.");

        var seen = new HashSet<string>(model.Count, StringComparer.Ordinal);
        var firstByte = -1;
        for (var id = 0; id < model.Count; id++)
        {
            if (!seen.Add(model.Pieces[id]))
                throw new InvalidDataException($"Piece {id} '{model.Pieces[id]}' appears twice in the vocabulary.");
            if (model.Types[id] == SentencePiecePieceType.Byte && firstByte < 0) firstByte = id;
        }

        // Byte fallback maps byte b to the id of "<0x00>" + b, in SentencePiece and in Microsoft.ML.Tokenizers alike.
        if (!model.ByteFallback) return;
        for (var b = 0; b < 256; b++)
        {
            var id = firstByte + b;
            if (firstByte < 0 || id >= model.Count || model.Types[id] != SentencePiecePieceType.Byte ||
                SentencePieceDecoder.ParseBytePiece(model.Pieces[id]) != b)
                throw new InvalidDataException(
                    $"The model uses byte fallback, but its byte pieces are not the 256 consecutive pieces <0x00>..<0xFF> (byte 0x{b:X2}).");
        }
    }

    /// <summary>Encodes a text into ids.</summary>
    /// <param name="text">The text. No special-token syntax is parsed: "&lt;s&gt;" or "&lt;|eot_id|&gt;" in the text is ordinary text.</param>
    /// <param name="addBos">Whether to prepend <see cref="BosId"/>; null means <see cref="AddBos"/>.</param>
    /// <returns>The ids, exactly as SentencePiece (and llama.cpp's SPM tokenizer), or tiktoken / llama.cpp's BPE
    /// tokenizer for byte-level vocabularies, would produce them.</returns>
    public int[] Encode(string text, bool? addBos = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bos = (addBos ?? AddBos) && BosId >= 0;
        var ids = new List<int>(text.Length / 3 + 2);
        if (bos) ids.Add(BosId);
        if (text.Length > 0) _backend.Encode(text, ids);
        return [.. ids];
    }

    /// <summary>The number of ids <see cref="Encode"/> would return.</summary>
    /// <param name="text">The text.</param>
    /// <param name="addBos">Whether to count <see cref="BosId"/>; null means <see cref="AddBos"/>.</param>
    public int CountTokens(string text, bool? addBos = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bos = (addBos ?? AddBos) && BosId >= 0 ? 1 : 0;
        if (text.Length == 0) return bos;
        var ids = t_countBuffer ??= new List<int>(256);
        ids.Clear();
        _backend.Encode(text, ids);
        var count = bos + ids.Count;
        if (ids.Capacity > 1 << 16) t_countBuffer = null;   // do not keep a huge buffer alive
        return count;
    }

    /// <summary>Decodes ids into text, as SentencePiece (or, for byte-level BPE, tiktoken) does.</summary>
    /// <remarks>
    /// Control pieces (BOS, EOS, <c>&lt;|eot_id|&gt;</c>) produce nothing; consecutive bytes (SentencePiece byte pieces,
    /// byte-level tokens) are assembled into UTF-8, with one U+FFFD per byte that is not part of a well-formed sequence.
    /// SentencePiece: U+2581 becomes a space, and the leading space of the first text piece (the dummy prefix added by
    /// encoding) is removed. Either way <c>Decode(Encode(x)) == x</c>.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public string Decode(ReadOnlySpan<int> ids)
    {
        if (ids.IsEmpty) return "";
        var state = default(TokenDecodeState);
        var text = new StringBuilder(ids.Length * 4);
        foreach (var id in ids)
        {
            var pieceText = _backend.Decoder.Step(ref state, id, text);
            text.Append(pieceText);
        }
        TokenDecoder.Flush(ref state, text);
        return text.ToString();
    }

    /// <summary>The raw vocabulary piece of an id, e.g. <c>"▁time"</c>, <c>"&lt;0x0A&gt;"</c> or, byte-level, <c>"Ġtime"</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public string GetPieceText(int id) => _backend.GetPieceText(CheckId(id));

    /// <summary>The id of a raw vocabulary piece (for example <c>"&lt;|eot_id|&gt;"</c>), or -1 when there is none.</summary>
    /// <param name="pieceText">The piece exactly as <see cref="GetPieceText"/> returns it.</param>
    public int FindPiece(string pieceText)
    {
        ArgumentNullException.ThrowIfNull(pieceText);
        return _backend.FindPiece(pieceText);
    }

    /// <summary>Whether the id is a control piece (such as <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;|eot_id|&gt;</c>), which decodes to nothing.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public bool IsControl(int id) => _backend.IsControl(CheckId(id));

    /// <summary>Whether the id is a SentencePiece byte-fallback piece <c>&lt;0xXX&gt;</c> (never for byte-level BPE).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public bool IsByte(int id) => _backend.IsByte(CheckId(id));

    /// <summary>
    /// The bytes <paramref name="id"/> adds to generated text (a continuation, so a SentencePiece "▁" is a space): empty
    /// for control and unknown pieces, one byte for a byte piece. The array is shared: do not modify it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    internal byte[] GetContinuationBytes(int id) => _backend.Decoder.GetContinuationBytes(id);

    /// <summary>Creates a detokenizer for one sequence that starts at the beginning of a text (like <see cref="Decode"/>).</summary>
    public StreamingDetokenizer CreateStreamingDetokenizer() => new(_backend.Decoder, atBeginningOfText: true);

    /// <summary>Creates a detokenizer for one sequence.</summary>
    /// <param name="atBeginningOfText">
    /// True when the ids start a text, so that the first piece's leading space is dropped as <see cref="Decode"/> does.
    /// False when they continue a text already shown (for example generated ids after a prompt), so that a leading
    /// space is kept: "Once upon a" followed by "▁time" shows " time". (Byte-level BPE has no dummy prefix; the flag
    /// changes nothing there.)
    /// </param>
    public StreamingDetokenizer CreateStreamingDetokenizer(bool atBeginningOfText) => new(_backend.Decoder, atBeginningOfText);

    private bool IsValidId(int id) => IsInRange(id, _backend.Count);

    private static bool IsInRange(int id, int count) => (uint)id < (uint)count;

    private int CheckId(int id) => IsValidId(id)
        ? id
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is outside the vocabulary (0..{_backend.Count - 1}).");
}
