namespace BitNet.Runtime.Tokenization;

/// <summary>
/// The subset of a SentencePiece <c>ModelProto</c> (sentencepiece_model.proto) that encoding and decoding depend on:
/// the pieces with their scores and types, the trainer settings that change segmentation (model type, byte fallback,
/// special ids) and the normalizer settings. It can be parsed from a <c>tokenizer.model</c> file or filled in from a
/// GGUF's <c>tokenizer.ggml.*</c> arrays, and written back as protobuf bytes that Microsoft.ML.Tokenizers accepts.
/// </summary>
internal sealed class SentencePieceModel
{
    // sentencepiece_model.proto field numbers.
    private const int FieldModelPieces = 1, FieldModelTrainerSpec = 2, FieldModelNormalizerSpec = 3;
    private const int FieldPiecePiece = 1, FieldPieceScore = 2, FieldPieceType = 3;
    private const int FieldTrainerModelType = 3, FieldTrainerVocabSize = 4, FieldTrainerTreatWhitespaceAsSuffix = 24, FieldTrainerByteFallback = 35,
                      FieldTrainerUnkId = 40, FieldTrainerBosId = 41, FieldTrainerEosId = 42, FieldTrainerPadId = 43, FieldTrainerUnkSurface = 44,
                      FieldTrainerUnkPiece = 45, FieldTrainerBosPiece = 46, FieldTrainerEosPiece = 47, FieldTrainerPadPiece = 48;
    private const int FieldNormalizerName = 1, FieldNormalizerPrecompiledCharsmap = 2, FieldNormalizerAddDummyPrefix = 3,
                      FieldNormalizerRemoveExtraWhitespaces = 4, FieldNormalizerEscapeWhitespaces = 5;

    /// <summary><c>TrainerSpec.ModelType</c> values.</summary>
    public const int ModelTypeUnigram = 1, ModelTypeBpe = 2, ModelTypeWord = 3, ModelTypeChar = 4;

    /// <summary>SentencePiece's default surface of <c>&lt;unk&gt;</c>: " ⁇ " (U+2047 between spaces).</summary>
    public const string DefaultUnknownSurface = " \u2047 ";

    public SentencePieceModel(string[] pieces, float[] scores, SentencePiecePieceType[] types)
    {
        if (pieces.Length != scores.Length || pieces.Length != types.Length)
            throw new ArgumentException("pieces, scores and types must have the same length.");
        Pieces = pieces;
        Scores = scores;
        Types = types;
    }

    public string[] Pieces { get; }
    public float[] Scores { get; }
    public SentencePiecePieceType[] Types { get; }

    // TrainerSpec (defaults as in sentencepiece_model.proto).
    public int ModelType { get; set; } = ModelTypeUnigram;
    public bool TreatWhitespaceAsSuffix { get; set; }
    public bool ByteFallback { get; set; }
    public int UnknownId { get; set; }
    public int BosId { get; set; } = 1;
    public int EosId { get; set; } = 2;
    public int PadId { get; set; } = -1;
    public string UnknownSurface { get; set; } = DefaultUnknownSurface;

    // NormalizerSpec (defaults as in sentencepiece_model.proto).
    public string? NormalizerName { get; set; }
    public int PrecompiledCharsmapLength { get; set; }
    public bool AddDummyPrefix { get; set; } = true;
    public bool RemoveExtraWhitespaces { get; set; } = true;
    public bool EscapeWhitespaces { get; set; } = true;

    public int Count => Pieces.Length;

    public static string ModelTypeName(int modelType) => modelType switch
    {
        ModelTypeUnigram => "UNIGRAM",
        ModelTypeBpe => "BPE",
        ModelTypeWord => "WORD",
        ModelTypeChar => "CHAR",
        _ => $"unknown ({modelType})",
    };

    /// <summary>Parses a serialized <c>ModelProto</c>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed SentencePiece model.</exception>
    public static SentencePieceModel Parse(ReadOnlySpan<byte> data, string sourceName)
    {
        var what = $"SentencePiece model '{sourceName}'";
        var pieces = new List<string>();
        var scores = new List<float>();
        var types = new List<SentencePiecePieceType>();
        var trainer = ReadOnlySpan<byte>.Empty;
        var normalizer = ReadOnlySpan<byte>.Empty;
        bool hasTrainer = false, hasNormalizer = false;

        var reader = new ProtobufWire.Reader(data, what);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case FieldModelPieces when wire == ProtobufWire.WireLengthDelimited:
                    var (piece, score, type) = ParsePiece(reader.ReadLengthDelimited(), what, pieces.Count);
                    pieces.Add(piece);
                    scores.Add(score);
                    types.Add(type);
                    break;
                case FieldModelTrainerSpec when wire == ProtobufWire.WireLengthDelimited:
                    trainer = reader.ReadLengthDelimited();
                    hasTrainer = true;
                    break;
                case FieldModelNormalizerSpec when wire == ProtobufWire.WireLengthDelimited:
                    normalizer = reader.ReadLengthDelimited();
                    hasNormalizer = true;
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (pieces.Count == 0) throw new InvalidDataException($"Invalid {what}: it has no pieces.");
        var model = new SentencePieceModel([.. pieces], [.. scores], [.. types]);
        if (hasTrainer) model.ReadTrainerSpec(trainer, what);
        if (hasNormalizer) model.ReadNormalizerSpec(normalizer, what);
        return model;
    }

    private static (string Piece, float Score, SentencePiecePieceType Type) ParsePiece(ReadOnlySpan<byte> data, string what, int index)
    {
        string? piece = null;
        float score = 0;
        var type = SentencePiecePieceType.Normal;
        var reader = new ProtobufWire.Reader(data, what);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case FieldPiecePiece when wire == ProtobufWire.WireLengthDelimited: piece = reader.ReadString(); break;
                case FieldPieceScore when wire == ProtobufWire.WireFixed32: score = reader.ReadFloat(); break;
                case FieldPieceType when wire == ProtobufWire.WireVarint:
                    var value = reader.ReadVarint();
                    if (value is < 1 or > 6) throw new InvalidDataException($"Invalid {what}: piece {index} has unknown type {value}.");
                    type = (SentencePiecePieceType)value;
                    break;
                default: reader.Skip(wire); break;
            }
        }
        if (string.IsNullOrEmpty(piece)) throw new InvalidDataException($"Invalid {what}: piece {index} is empty.");
        return (piece, score, type);
    }

    private void ReadTrainerSpec(ReadOnlySpan<byte> data, string what)
    {
        var reader = new ProtobufWire.Reader(data, what);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case FieldTrainerModelType when wire == ProtobufWire.WireVarint: ModelType = reader.ReadInt32(); break;
                case FieldTrainerTreatWhitespaceAsSuffix when wire == ProtobufWire.WireVarint: TreatWhitespaceAsSuffix = reader.ReadBool(); break;
                case FieldTrainerByteFallback when wire == ProtobufWire.WireVarint: ByteFallback = reader.ReadBool(); break;
                case FieldTrainerUnkId when wire == ProtobufWire.WireVarint: UnknownId = reader.ReadInt32(); break;
                case FieldTrainerBosId when wire == ProtobufWire.WireVarint: BosId = reader.ReadInt32(); break;
                case FieldTrainerEosId when wire == ProtobufWire.WireVarint: EosId = reader.ReadInt32(); break;
                case FieldTrainerPadId when wire == ProtobufWire.WireVarint: PadId = reader.ReadInt32(); break;
                case FieldTrainerUnkSurface when wire == ProtobufWire.WireLengthDelimited: UnknownSurface = reader.ReadString(); break;
                default: reader.Skip(wire); break;
            }
        }
    }

    private void ReadNormalizerSpec(ReadOnlySpan<byte> data, string what)
    {
        var reader = new ProtobufWire.Reader(data, what);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case FieldNormalizerName when wire == ProtobufWire.WireLengthDelimited: NormalizerName = reader.ReadString(); break;
                case FieldNormalizerPrecompiledCharsmap when wire == ProtobufWire.WireLengthDelimited:
                    PrecompiledCharsmapLength = reader.ReadLengthDelimited().Length;
                    break;
                case FieldNormalizerAddDummyPrefix when wire == ProtobufWire.WireVarint: AddDummyPrefix = reader.ReadBool(); break;
                case FieldNormalizerRemoveExtraWhitespaces when wire == ProtobufWire.WireVarint: RemoveExtraWhitespaces = reader.ReadBool(); break;
                case FieldNormalizerEscapeWhitespaces when wire == ProtobufWire.WireVarint: EscapeWhitespaces = reader.ReadBool(); break;
                default: reader.Skip(wire); break;
            }
        }
    }

    /// <summary>
    /// Serializes the model as a <c>ModelProto</c>. Every setting is written explicitly, including those equal to the
    /// proto defaults, because some defaults (<c>remove_extra_whitespaces = true</c>, <c>model_type = UNIGRAM</c>) are
    /// not what a llama-style vocabulary needs. A precompiled charsmap is never written: only identity normalization
    /// can be synthesized.
    /// </summary>
    public byte[] ToProtobuf()
    {
        var model = new ProtobufWire.Writer(Count * 24 + 256);
        var message = new ProtobufWire.Writer();
        for (var i = 0; i < Count; i++)
        {
            message.Clear();
            message.WriteStringField(FieldPiecePiece, Pieces[i]);
            message.WriteFloatField(FieldPieceScore, Scores[i]);
            message.WriteVarintField(FieldPieceType, (ulong)Types[i]);
            model.WriteBytesField(FieldModelPieces, message.WrittenSpan);
        }

        message.Clear();
        message.WriteInt32Field(FieldTrainerModelType, ModelType);
        message.WriteInt32Field(FieldTrainerVocabSize, Count);
        message.WriteBoolField(FieldTrainerTreatWhitespaceAsSuffix, TreatWhitespaceAsSuffix);
        message.WriteBoolField(FieldTrainerByteFallback, ByteFallback);
        message.WriteInt32Field(FieldTrainerUnkId, UnknownId);
        message.WriteInt32Field(FieldTrainerBosId, BosId);
        message.WriteInt32Field(FieldTrainerEosId, EosId);
        message.WriteInt32Field(FieldTrainerPadId, PadId);
        message.WriteStringField(FieldTrainerUnkSurface, UnknownSurface);
        WritePieceName(message, FieldTrainerUnkPiece, UnknownId);
        WritePieceName(message, FieldTrainerBosPiece, BosId);
        WritePieceName(message, FieldTrainerEosPiece, EosId);
        WritePieceName(message, FieldTrainerPadPiece, PadId);
        model.WriteBytesField(FieldModelTrainerSpec, message.WrittenSpan);

        message.Clear();
        message.WriteStringField(FieldNormalizerName, string.IsNullOrEmpty(NormalizerName) ? "identity" : NormalizerName);
        message.WriteBoolField(FieldNormalizerAddDummyPrefix, AddDummyPrefix);
        message.WriteBoolField(FieldNormalizerRemoveExtraWhitespaces, RemoveExtraWhitespaces);
        message.WriteBoolField(FieldNormalizerEscapeWhitespaces, EscapeWhitespaces);
        model.WriteBytesField(FieldModelNormalizerSpec, message.WrittenSpan);

        return model.WrittenSpan.ToArray();
    }

    private void WritePieceName(ProtobufWire.Writer writer, int field, int id)
    {
        if ((uint)id < (uint)Count) writer.WriteStringField(field, Pieces[id]);
    }
}
