using System.Buffers.Binary;

namespace BitNet.Runtime.Weights.TQ1_0;

/// <summary>Writes ggml's TQ1_0 layout: the exact inverse of <see cref="TQ1_0Weights"/>' decoder (see that class for the layout).</summary>
/// <remarks>The caller chooses each block's scale d (stored as fp16), as for <see cref="TQ2_0.TQ2_0Encoder"/>.</remarks>
public static class TQ1_0Encoder
{
    // ⌈q · 256 / 243⌉ for every base-3 value q of five digits (0..242): the stored byte.
    private static readonly byte[] s_stored = CreateStoredTable();

    /// <summary>The bytes a TQ1_0 tensor of <paramref name="rows"/> × <paramref name="columns"/> occupies.</summary>
    public static long ByteSize(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (columns % TQ1_0Weights.BlockElements != 0)
            throw new ArgumentException($"TQ1_0 needs rows of a multiple of {TQ1_0Weights.BlockElements} elements; got {columns}.", nameof(columns));
        return (long)rows * (columns / TQ1_0Weights.BlockElements) * TQ1_0Weights.BlockBytes;
    }

    /// <summary>The stored byte for five codes (each 0..2, the first most significant): ⌈q · 256 / 243⌉ with q = Σ cₙ · 3^(4−n).</summary>
    public static byte Pack5(int c0, int c1, int c2, int c3, int c4)
    {
        if ((uint)c0 > 2 || (uint)c1 > 2 || (uint)c2 > 2 || (uint)c3 > 2 || (uint)c4 > 2)
            throw new ArgumentOutOfRangeException(nameof(c0), "Every code must be 0, 1 or 2.");
        return s_stored[c0 * 81 + c1 * 27 + c2 * 9 + c3 * 3 + c4];
    }

    /// <summary>Encodes whole 256-value blocks (rows of a multiple of 256, row-major), every block with the scale <paramref name="scale"/>.</summary>
    /// <exception cref="ArgumentException">The length is not whole blocks, the destination is too small, or a value is not ternary.</exception>
    public static void EncodeBlocks(ReadOnlySpan<sbyte> values, float scale, Span<byte> destination)
    {
        var blocks = CheckLengths(values, destination);
        var d = TernaryEncoding.HalfScale(scale, nameof(scale));
        for (var j = 0; j < blocks; j++) EncodeBlock(values, j, d, destination);
    }

    /// <summary>Encodes whole 256-value blocks with one scale per block (<paramref name="blockScales"/>[j] for block j).</summary>
    public static void EncodeBlocks(ReadOnlySpan<sbyte> values, ReadOnlySpan<float> blockScales, Span<byte> destination)
    {
        var blocks = CheckLengths(values, destination);
        if (blockScales.Length != blocks) throw new ArgumentException($"{blocks} blocks need {blocks} scales; got {blockScales.Length}.", nameof(blockScales));
        for (var j = 0; j < blocks; j++) EncodeBlock(values, j, TernaryEncoding.HalfScale(blockScales[j], nameof(blockScales)), destination);
    }

    /// <summary>Encodes a whole tensor (row-major values) with one scale per block, in row-then-block order.</summary>
    public static byte[] Encode(ReadOnlySpan<sbyte> values, int rows, int columns, ReadOnlySpan<float> blockScales)
    {
        var size = ByteSize(rows, columns);
        if (values.Length != (long)rows * columns) throw new ArgumentException($"{values.Length} values do not form a {rows} × {columns} matrix.", nameof(values));
        var data = new byte[size];
        EncodeBlocks(values, blockScales, data);
        return data;
    }

    private static int CheckLengths(ReadOnlySpan<sbyte> values, Span<byte> destination)
    {
        if (values.Length % TQ1_0Weights.BlockElements != 0)
            throw new ArgumentException($"TQ1_0 packs blocks of {TQ1_0Weights.BlockElements} values; got {values.Length}.", nameof(values));
        var blocks = values.Length / TQ1_0Weights.BlockElements;
        if (destination.Length < (long)blocks * TQ1_0Weights.BlockBytes)
            throw new ArgumentException($"{blocks} blocks need {(long)blocks * TQ1_0Weights.BlockBytes} bytes; the destination has {destination.Length}.", nameof(destination));
        return blocks;
    }

    private static void EncodeBlock(ReadOnlySpan<sbyte> values, int j, Half d, Span<byte> destination)
    {
        var v = values.Slice(j * TQ1_0Weights.BlockElements, TQ1_0Weights.BlockElements);
        if (!TernaryEncoding.AllTernary(v)) throw TernaryEncoding.NotTernary(values, j * TQ1_0Weights.BlockElements, TQ1_0Weights.BlockElements);
        var block = destination.Slice(j * TQ1_0Weights.BlockBytes, TQ1_0Weights.BlockBytes);
        // Code c = t + 1. qs[k], k = 0..31: elements k + 32n; qs[32 + m], m = 0..15: elements 160 + m + 16n;
        // qh[i], i = 0..3: elements 240 + i + 4n, then a fifth digit of 0.
        for (var k = 0; k < 32; k++)
            block[k] = s_stored[(v[k] + 1) * 81 + (v[k + 32] + 1) * 27 + (v[k + 64] + 1) * 9 + (v[k + 96] + 1) * 3 + v[k + 128] + 1];
        for (var m = 0; m < 16; m++)
            block[32 + m] = s_stored[(v[160 + m] + 1) * 81 + (v[176 + m] + 1) * 27 + (v[192 + m] + 1) * 9 + (v[208 + m] + 1) * 3 + v[224 + m] + 1];
        for (var i = 0; i < 4; i++)
            block[48 + i] = s_stored[(v[240 + i] + 1) * 81 + (v[244 + i] + 1) * 27 + (v[248 + i] + 1) * 9 + (v[252 + i] + 1) * 3];
        BinaryPrimitives.WriteHalfLittleEndian(block[52..], d);
    }

    private static byte[] CreateStoredTable()
    {
        var table = new byte[243];
        for (var q = 0; q < 243; q++) table[q] = (byte)((q * 256 + 242) / 243);
        return table;
    }
}
