using System.Text;
using BitNet.Runtime.Gguf;
using Microsoft.ML.Tokenizers;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// The tokenizer of a BitNet (or other llama-family) model: SentencePiece BPE with byte fallback, built on
/// Microsoft.ML.Tokenizers, loaded either from a SentencePiece <c>tokenizer.model</c> or from a GGUF file's own
/// <c>tokenizer.ggml.*</c> metadata, so that a GGUF alone suffices.
/// </summary>
/// <remarks>
/// <para><b>The Microsoft.ML.Tokenizers object</b> (<see cref="Inner"/>, a <see cref="SentencePieceTokenizer"/>) is
/// created from the SentencePiece <c>ModelProto</c>: the <c>tokenizer.model</c> bytes as they are, or, for a GGUF, a
/// <c>ModelProto</c> synthesized from <c>tokenizer.ggml.tokens/scores/token_type</c> (BPE, byte fallback, identity
/// normalization, dummy prefix per <c>tokenizer.ggml.add_space_prefix</c>, extra whitespace kept unless
/// <c>tokenizer.ggml.remove_extra_whitespaces</c> says otherwise).</para>
/// <para><b>Encoding</b> normalizes with that object's SentencePiece normalizer and then runs SentencePiece's BPE merge
/// (the internal <c>SentencePieceBpeEncoder</c>) rather than <c>Inner.EncodeToIds</c>, because Microsoft.ML.Tokenizers
/// 2.0.1 breaks ties between equal-score merges the other way round from SentencePiece: "Sooo" and "Nooo!" get different
/// ids (details on <c>SentencePieceBpeEncoder</c>). The beginning-of-sequence id is added per <see cref="AddBos"/>, also
/// for an empty text, as SentencePiece and llama.cpp do.</para>
/// <para><b>Decoding</b> reproduces SentencePiece's rules exactly (see <see cref="Decode"/>); it is implemented here,
/// not delegated to <see cref="Inner"/>, for the reasons given on the internal <c>SentencePieceDecoder</c>.</para>
/// <para>Instances are immutable and safe to use from several threads. <see cref="StreamingDetokenizer"/> instances are
/// not: create one per sequence.</para>
/// </remarks>
public sealed class BitNetTokenizer
{
    /// <summary>Texts of end-of-turn pieces that llama.cpp also treats as end of generation, when they are special pieces.</summary>
    private static readonly HashSet<string> s_endOfGenerationTexts = new(StringComparer.Ordinal)
    {
        "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>",
    };

    [ThreadStatic] private static List<int>? t_countBuffer;

    private readonly SentencePieceTokenizer _inner;
    private readonly SentencePieceModel _model;
    private readonly SentencePieceBpeEncoder _encoder;
    private readonly SentencePieceDecoder _decoder;
    private readonly int[] _endOfGenerationIds;

    private BitNetTokenizer(SentencePieceModel model, SentencePieceTokenizer inner, bool addBos, IEnumerable<int> extraEndOfGenerationIds)
    {
        _model = model;
        _inner = inner;
        _encoder = new SentencePieceBpeEncoder(model);
        _decoder = new SentencePieceDecoder(model);
        AddBos = addBos && IsValidId(model.BosId);

        var endOfGeneration = new SortedSet<int>();
        if (IsValidId(model.EosId)) endOfGeneration.Add(model.EosId);
        foreach (var id in extraEndOfGenerationIds)
            if (IsValidId(id)) endOfGeneration.Add(id);
        for (var id = 0; id < model.Count; id++)
        {
            if (model.Types[id] is SentencePiecePieceType.Control or SentencePiecePieceType.UserDefined &&
                s_endOfGenerationTexts.Contains(model.Pieces[id]))
                endOfGeneration.Add(id);
        }
        _endOfGenerationIds = [.. endOfGeneration];
    }

    /// <summary>The Microsoft.ML.Tokenizers object that does the encoding (a <see cref="SentencePieceTokenizer"/>).</summary>
    /// <remarks>Its BOS setting equals <see cref="AddBos"/>. Its own <c>EncodeToIds</c> and <c>Decode</c> differ from
    /// SentencePiece in corner cases (ties between equal-score merges, merges into control pieces, the empty text,
    /// invalid UTF-8, <c>&lt;unk&gt;</c>); <see cref="Encode"/> and <see cref="Decode"/> do not.</remarks>
    public Tokenizer Inner => _inner;

    /// <summary>The number of pieces in the vocabulary; valid ids are 0 to <c>VocabularySize - 1</c>.</summary>
    public int VocabularySize => _model.Count;

    /// <summary>The beginning-of-sequence id (<c>&lt;s&gt;</c>), or -1 when the vocabulary has none.</summary>
    public int BosId => IsValidId(_model.BosId) ? _model.BosId : -1;

    /// <summary>The end-of-sequence id (<c>&lt;/s&gt;</c>), or -1 when the vocabulary has none.</summary>
    public int EosId => IsValidId(_model.EosId) ? _model.EosId : -1;

    /// <summary>The id of <c>&lt;unk&gt;</c>.</summary>
    public int UnknownId => _model.UnknownId;

    /// <summary>Whether <see cref="Encode"/> prepends <see cref="BosId"/> by default (GGUF: <c>tokenizer.ggml.add_bos_token</c>).</summary>
    public bool AddBos { get; }

    /// <summary>
    /// The ids that end generation: <see cref="EosId"/>, the GGUF's <c>eot_token_id</c>/<c>eom_token_id</c> when given,
    /// and control or user-defined pieces with a known end-of-turn text such as <c>&lt;|eot_id|&gt;</c>. Sorted.
    /// </summary>
    public IReadOnlyList<int> EndOfGenerationIds => _endOfGenerationIds;

    /// <summary>Whether <paramref name="id"/> is one of <see cref="EndOfGenerationIds"/>.</summary>
    public bool IsEndOfGeneration(int id) => Array.BinarySearch(_endOfGenerationIds, id) >= 0;

    /// <summary>Builds the tokenizer from a GGUF file's <c>tokenizer.ggml.*</c> metadata.</summary>
    /// <param name="file">An open GGUF file.</param>
    /// <exception cref="NotSupportedException"><c>tokenizer.ggml.model</c> is not <c>llama</c>.</exception>
    /// <exception cref="GgufFormatException">The tokenizer metadata is missing or inconsistent.</exception>
    public static BitNetTokenizer FromGguf(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var model = GgufTokenizerMetadata.ReadSentencePieceModel(file, out var addBos, out var extraEndOfGeneration);
        var inner = CreateInner(model, model.ToProtobuf(), addBos);
        return new BitNetTokenizer(model, inner, addBos, extraEndOfGeneration);
    }

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
        return new BitNetTokenizer(model, CreateInner(model, bytes, addBos), addBos, []);
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
    /// <param name="text">The text. No special-token syntax is parsed: "&lt;s&gt;" in the text is ordinary text.</param>
    /// <param name="addBos">Whether to prepend <see cref="BosId"/>; null means <see cref="AddBos"/>.</param>
    /// <returns>The ids, exactly as SentencePiece (and llama.cpp's SPM tokenizer) would produce them.</returns>
    public int[] Encode(string text, bool? addBos = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bos = (addBos ?? AddBos) && BosId >= 0;
        var ids = new List<int>(text.Length / 3 + 2);
        if (bos) ids.Add(BosId);
        if (text.Length > 0) _encoder.Encode(Normalize(text), ids);
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
        _encoder.Encode(Normalize(text), ids);
        var count = bos + ids.Count;
        if (ids.Capacity > 1 << 16) t_countBuffer = null;   // do not keep a huge buffer alive
        return count;
    }

    /// <summary>SentencePiece normalization (dummy prefix, spaces to U+2581), by Microsoft.ML.Tokenizers.</summary>
    private string Normalize(string text) => _inner.Normalizer is { } normalizer ? normalizer.Normalize(text) : text;

    /// <summary>Decodes ids into text, as SentencePiece does.</summary>
    /// <remarks>
    /// Control pieces (BOS, EOS) produce nothing; consecutive byte pieces are assembled into UTF-8, with one U+FFFD per
    /// byte that is not part of a well-formed sequence; U+2581 becomes a space; and the leading space of the first
    /// text piece (the dummy prefix added by encoding) is removed, so <c>Decode(Encode(x)) == x</c>.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public string Decode(ReadOnlySpan<int> ids)
    {
        if (ids.IsEmpty) return "";
        var state = default(SentencePieceDecoder.DecodeState);
        var text = new StringBuilder(ids.Length * 4);
        foreach (var id in ids)
        {
            var pieceText = _decoder.Step(ref state, id, text);
            text.Append(pieceText);
        }
        SentencePieceDecoder.Flush(ref state, text);
        return text.ToString();
    }

    /// <summary>The raw vocabulary piece of an id, e.g. <c>"▁time"</c> or <c>"&lt;0x0A&gt;"</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public string GetPieceText(int id) => _model.Pieces[CheckId(id)];

    /// <summary>Whether the id is a control piece (such as <c>&lt;s&gt;</c> and <c>&lt;/s&gt;</c>), which decodes to nothing.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public bool IsControl(int id) => _model.Types[CheckId(id)] == SentencePiecePieceType.Control;

    /// <summary>Whether the id is a byte-fallback piece <c>&lt;0xXX&gt;</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public bool IsByte(int id) => _model.Types[CheckId(id)] == SentencePiecePieceType.Byte;

    /// <summary>Creates a detokenizer for one sequence that starts at the beginning of a text (like <see cref="Decode"/>).</summary>
    public StreamingDetokenizer CreateStreamingDetokenizer() => new(_decoder, atBeginningOfText: true);

    /// <summary>Creates a detokenizer for one sequence.</summary>
    /// <param name="atBeginningOfText">
    /// True when the ids start a text, so that the first piece's leading space is dropped as <see cref="Decode"/> does.
    /// False when they continue a text already shown (for example generated ids after a prompt), so that a leading
    /// space is kept: "Once upon a" followed by "▁time" shows " time".
    /// </param>
    public StreamingDetokenizer CreateStreamingDetokenizer(bool atBeginningOfText) => new(_decoder, atBeginningOfText);

    private bool IsValidId(int id) => IsInRange(id, _model.Count);

    private static bool IsInRange(int id, int count) => (uint)id < (uint)count;

    private int CheckId(int id) => IsValidId(id)
        ? id
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is outside the vocabulary (0..{_model.Count - 1}).");
}
