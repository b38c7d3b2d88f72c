namespace BitNet.Runtime.Weights.TQ2_0;

/// <summary>Writes ggml's TQ2_0 layout: the exact inverse of <see cref="TQ2_0Weights"/>' decoder (see that class for the layout).</summary>
/// <remarks>The caller chooses each block's scale d (stored as fp16). ggml's quantizer would write d = max|x| of the block,
/// i.e. the per-tensor scale for ternary weights; the decoder treats a block with d = 0 as all zeros.</remarks>
public static class TQ2_0Encoder
{
    /// <summary>The bytes a TQ2_0 tensor of <paramref name="rows"/> × <paramref name="columns"/> occupies.</summary>
    public static long ByteSize(int rows, int columns) => TernaryBlockCodec<TQ2_0Block>.ByteSize(rows, columns);

    /// <summary>Encodes whole 256-value blocks (rows of a multiple of 256, row-major), every block with the scale <paramref name="scale"/>.</summary>
    /// <exception cref="ArgumentException">The length is not whole blocks, the destination is too small, or a value is not ternary.</exception>
    public static void EncodeBlocks(ReadOnlySpan<sbyte> values, float scale, Span<byte> destination) =>
        TernaryBlockCodec<TQ2_0Block>.EncodeBlocks(values, scale, destination);

    /// <summary>Encodes whole 256-value blocks with one scale per block (<paramref name="blockScales"/>[j] for block j).</summary>
    public static void EncodeBlocks(ReadOnlySpan<sbyte> values, ReadOnlySpan<float> blockScales, Span<byte> destination) =>
        TernaryBlockCodec<TQ2_0Block>.EncodeBlocks(values, blockScales, destination);

    /// <summary>Encodes a whole tensor (row-major values) with one scale per block, in row-then-block order.</summary>
    public static byte[] Encode(ReadOnlySpan<sbyte> values, int rows, int columns, ReadOnlySpan<float> blockScales) =>
        TernaryBlockCodec<TQ2_0Block>.Encode(values, rows, columns, blockScales);
}
