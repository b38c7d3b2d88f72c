namespace BitNet.Runtime.Weights.TQ1_0;

/// <summary>Writes ggml's TQ1_0 layout: the exact inverse of <see cref="TQ1_0Weights"/>' decoder (see that class for the layout).</summary>
/// <remarks>The caller chooses each block's scale d (stored as fp16), as for <see cref="TQ2_0.TQ2_0Encoder"/>.</remarks>
public static class TQ1_0Encoder
{
    /// <summary>The bytes a TQ1_0 tensor of <paramref name="rows"/> × <paramref name="columns"/> occupies.</summary>
    public static long ByteSize(int rows, int columns) => TernaryBlockCodec<TQ1_0Block>.ByteSize(rows, columns);

    /// <summary>The stored byte for five codes (each 0..2, the first most significant): ⌈q · 256 / 243⌉ with q = Σ cₙ · 3^(4−n).</summary>
    public static byte Pack5(int c0, int c1, int c2, int c3, int c4) => TQ1_0Block.Pack5(c0, c1, c2, c3, c4);

    /// <summary>Encodes whole 256-value blocks (rows of a multiple of 256, row-major), every block with the scale <paramref name="scale"/>.</summary>
    /// <exception cref="ArgumentException">The length is not whole blocks, the destination is too small, or a value is not ternary.</exception>
    public static void EncodeBlocks(ReadOnlySpan<sbyte> values, float scale, Span<byte> destination) =>
        TernaryBlockCodec<TQ1_0Block>.EncodeBlocks(values, scale, destination);

    /// <summary>Encodes whole 256-value blocks with one scale per block (<paramref name="blockScales"/>[j] for block j).</summary>
    public static void EncodeBlocks(ReadOnlySpan<sbyte> values, ReadOnlySpan<float> blockScales, Span<byte> destination) =>
        TernaryBlockCodec<TQ1_0Block>.EncodeBlocks(values, blockScales, destination);

    /// <summary>Encodes a whole tensor (row-major values) with one scale per block, in row-then-block order.</summary>
    public static byte[] Encode(ReadOnlySpan<sbyte> values, int rows, int columns, ReadOnlySpan<float> blockScales) =>
        TernaryBlockCodec<TQ1_0Block>.Encode(values, rows, columns, blockScales);
}
