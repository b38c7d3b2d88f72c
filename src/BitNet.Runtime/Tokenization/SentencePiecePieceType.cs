namespace BitNet.Runtime.Tokenization;

/// <summary>
/// The type of a vocabulary piece. The numbering is SentencePiece's <c>ModelProto.SentencePiece.Type</c>, which is also
/// llama.cpp's <c>tokenizer.ggml.token_type</c> numbering, so GGUF values map one to one.
/// </summary>
internal enum SentencePiecePieceType : byte
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}
