using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Weights;

/// <summary>
/// A ggml block format for ternary weights (TQ1_0, TQ2_0): blocks of 256 values, each its code bytes followed by an
/// fp16 scale d. The format type supplies the code layout; <see cref="TernaryBlockCodec{TFormat}"/> does the rest.
/// </summary>
internal interface ITernaryBlockFormat
{
    /// <summary>The format's name in messages.</summary>
    static abstract string Name { get; }

    /// <summary>The tensor type that holds it.</summary>
    static abstract GgufTensorType TensorType { get; }

    /// <summary>Bytes per block; the last two hold d.</summary>
    static abstract int BlockBytes { get; }

    /// <summary>Decodes a block's code bytes into 256 values; returns the offset of the first byte holding an invalid code, or −1.</summary>
    static abstract int DecodeBlock(ReadOnlySpan<byte> codes, Span<sbyte> values);

    /// <summary>Encodes 256 ternary values (already checked) into a block's code bytes.</summary>
    static abstract void EncodeBlock(ReadOnlySpan<sbyte> values, Span<byte> codes);

    /// <summary>What is wrong with a byte whose offset <see cref="DecodeBlock"/> returned.</summary>
    static abstract string InvalidCode(byte value, int offset);
}
