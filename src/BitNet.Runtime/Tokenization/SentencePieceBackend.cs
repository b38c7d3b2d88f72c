using Microsoft.ML.Tokenizers;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// SentencePiece BPE with byte fallback (Llama 2, the TinyStories BitNet model). Normalization is Microsoft.ML.Tokenizers'
/// (<see cref="SentencePieceTokenizer"/>); the merge step is <see cref="SentencePieceBpeEncoder"/> and decoding
/// <see cref="SentencePieceDecoder"/>, for the reasons given on those classes.
/// </summary>
internal sealed class SentencePieceBackend : TokenizerBackend
{
    private readonly SentencePieceTokenizer _inner;
    private readonly SentencePieceModel _model;
    private readonly SentencePieceBpeEncoder _encoder;
    private readonly SentencePieceDecoder _decoder;
    private readonly Dictionary<string, int> _ids;

    public SentencePieceBackend(SentencePieceModel model, SentencePieceTokenizer inner)
    {
        _model = model;
        _inner = inner;
        _encoder = new SentencePieceBpeEncoder(model);
        _decoder = new SentencePieceDecoder(model);
        _ids = new Dictionary<string, int>(model.Count, StringComparer.Ordinal);
        for (var id = 0; id < model.Count; id++) _ids.TryAdd(model.Pieces[id], id);
    }

    public SentencePieceModel Model => _model;

    public override Tokenizer Inner => _inner;

    public override int Count => _model.Count;

    public override TokenDecoder Decoder => _decoder;

    public override void Encode(string text, List<int> ids) => _encoder.Encode(Normalize(text), ids);

    /// <summary>SentencePiece normalization (dummy prefix, spaces to U+2581), by Microsoft.ML.Tokenizers.</summary>
    private string Normalize(string text) => _inner.Normalizer is { } normalizer ? normalizer.Normalize(text) : text;

    public override string GetPieceText(int id) => _model.Pieces[id];

    public override bool IsControl(int id) => _model.Types[id] == SentencePiecePieceType.Control;

    public override bool IsByte(int id) => _model.Types[id] == SentencePiecePieceType.Byte;

    public override int FindPiece(string text) => _ids.TryGetValue(text, out var id) ? id : -1;
}
