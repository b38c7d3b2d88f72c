using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BitNet.Runtime.Weights.TQ2_0;

/// <summary>Writes ggml's TQ2_0 layout: the exact inverse of <see cref="TQ2_0Weights"/>' decoder (see that class for the layout).</summary>
/// <remarks>The caller chooses each block's scale d (stored as fp16). ggml's quantizer would write d = max|x| of the block,
/// i.e. the per-tensor scale for ternary weights; the decoder treats a block with d = 0 as all zeros.</remarks>
public static class TQ2_0Encoder
{
    /// <summary>The bytes a TQ2_0 tensor of <paramref name="rows"/> × <paramref name="columns"/> occupies.</summary>
    public static long ByteSize(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (columns % TQ2_0Weights.BlockElements != 0)
            throw new ArgumentException($"TQ2_0 needs rows of a multiple of {TQ2_0Weights.BlockElements} elements; got {columns}.", nameof(columns));
        return (long)rows * (columns / TQ2_0Weights.BlockElements) * TQ2_0Weights.BlockBytes;
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
        if (values.Length % TQ2_0Weights.BlockElements != 0)
            throw new ArgumentException($"TQ2_0 packs blocks of {TQ2_0Weights.BlockElements} values; got {values.Length}.", nameof(values));
        var blocks = values.Length / TQ2_0Weights.BlockElements;
        if (destination.Length < (long)blocks * TQ2_0Weights.BlockBytes)
            throw new ArgumentException($"{blocks} blocks need {(long)blocks * TQ2_0Weights.BlockBytes} bytes; the destination has {destination.Length}.", nameof(destination));
        return blocks;
    }

    private static void EncodeBlock(ReadOnlySpan<sbyte> values, int j, Half d, Span<byte> destination)
    {
        ref var src = ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(values));
        var block = destination.Slice(j * TQ2_0Weights.BlockBytes, TQ2_0Weights.BlockBytes);
        ref var dst = ref MemoryMarshal.GetReference(block);
        var e = (nuint)j * TQ2_0Weights.BlockElements;
        var one = Vector128<byte>.One;
        var two = Vector128.Create((byte)2);
        for (nuint i = 0; i < 64; i += 16)
        {
            // qs[32h + m] holds elements 128h + m + 32n at bits 2n..2n+1 (n = 0 least significant).
            var first = e + i / 32 * 128 + i % 32;
            var c0 = Vector128.LoadUnsafe(ref src, first) + one;
            var c1 = Vector128.LoadUnsafe(ref src, first + 32) + one;
            var c2 = Vector128.LoadUnsafe(ref src, first + 64) + one;
            var c3 = Vector128.LoadUnsafe(ref src, first + 96) + one;
            if (Vector128.GreaterThanAny(Vector128.Max(Vector128.Max(c0, c1), Vector128.Max(c2, c3)), two))
                throw TernaryEncoding.NotTernary(values, (int)e, TQ2_0Weights.BlockElements);
            (c0 | (c1 << 2) | (c2 << 4) | (c3 << 6)).StoreUnsafe(ref dst, i);
        }
        BinaryPrimitives.WriteHalfLittleEndian(block[64..], d);
    }
}
