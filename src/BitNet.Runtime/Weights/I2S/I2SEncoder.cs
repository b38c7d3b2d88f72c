using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BitNet.Runtime.Weights.I2S;

/// <summary>
/// Writes bitnet.cpp's I2_S layout (x86 <c>ACT_PARALLEL</c>, as the official 2B4T GGUF): the exact inverse of
/// <see cref="I2SWeights"/>' decoder. See that class for the layout.
/// </summary>
public static class I2SEncoder
{
    /// <summary>The size of the trailing region that holds the float32 scale (then 28 zero bytes).</summary>
    public const int TailBytes = 32;

    /// <summary>The bytes an I2_S tensor of <paramref name="rows"/> × <paramref name="columns"/> occupies: codes, then the 32-byte tail.</summary>
    public static long ByteSize(int rows, int columns)
    {
        CheckShape(rows, columns);
        return (long)rows * columns / 4 + TailBytes;
    }

    /// <summary>
    /// Packs ternary values (each −1, 0 or +1), flattened row-major, into I2_S code bytes: a whole number of 128-element
    /// blocks into <c>values.Length / 4</c> bytes. Rows whose length is a multiple of 128 can be encoded one at a time or
    /// many at once, since blocks never straddle rows.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 128, the destination is too small, or a value is not ternary.</exception>
    public static void EncodeCodes(ReadOnlySpan<sbyte> values, Span<byte> destination)
    {
        if (values.Length % I2SWeights.BlockElements != 0)
            throw new ArgumentException($"I2_S packs blocks of {I2SWeights.BlockElements} values; got {values.Length}.", nameof(values));
        if (destination.Length < values.Length / 4)
            throw new ArgumentException($"{values.Length} values need {values.Length / 4} bytes; the destination has {destination.Length}.", nameof(destination));

        ref var src = ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(values));
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var one = Vector128<byte>.One;
        var two = Vector128.Create((byte)2);
        for (nuint block = 0; block < (nuint)values.Length; block += I2SWeights.BlockElements)
        {
            var d = block / 4;
            for (nuint p = 0; p < I2SWeights.BlockBytes; p += 16)
            {
                // Element p + 32g of the block goes to byte p at bits 7 − 2g..6 − 2g (g = 0 most significant).
                var c0 = Vector128.LoadUnsafe(ref src, block + p) + one;
                var c1 = Vector128.LoadUnsafe(ref src, block + 32 + p) + one;
                var c2 = Vector128.LoadUnsafe(ref src, block + 64 + p) + one;
                var c3 = Vector128.LoadUnsafe(ref src, block + 96 + p) + one;
                if (Vector128.GreaterThanAny(Vector128.Max(Vector128.Max(c0, c1), Vector128.Max(c2, c3)), two))
                    throw TernaryEncoding.NotTernary(values, (int)block, I2SWeights.BlockElements);
                ((c0 << 6) | (c1 << 4) | (c2 << 2) | c3).StoreUnsafe(ref dst, d + p);
            }
        }
    }

    /// <summary>Writes the 32-byte tail: the float32 scale (little-endian), then 28 zero bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The scale is negative or not finite (the decoder would reject it).</exception>
    public static void WriteTail(float scale, Span<byte> destination)
    {
        if (!float.IsFinite(scale) || scale < 0) throw new ArgumentOutOfRangeException(nameof(scale), scale, "The I2_S scale must be finite and ≥ 0.");
        if (destination.Length < TailBytes) throw new ArgumentException($"The tail needs {TailBytes} bytes.", nameof(destination));
        BinaryPrimitives.WriteSingleLittleEndian(destination, scale);
        destination[4..TailBytes].Clear();
    }

    /// <summary>Encodes a whole tensor of <paramref name="rows"/> × <paramref name="columns"/> ternary values (row-major) with its per-tensor scale.</summary>
    public static byte[] Encode(ReadOnlySpan<sbyte> values, int rows, int columns, float scale)
    {
        var size = ByteSize(rows, columns);
        if (values.Length != (long)rows * columns) throw new ArgumentException($"{values.Length} values do not form a {rows} × {columns} matrix.", nameof(values));
        var data = new byte[size];
        EncodeCodes(values, data);
        WriteTail(scale, data.AsSpan((int)(size - TailBytes)));
        return data;
    }

    private static void CheckShape(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (columns % I2SWeights.BlockElements != 0)
            throw new ArgumentException($"I2_S needs rows of a multiple of {I2SWeights.BlockElements} elements; got {columns}.", nameof(columns));
    }
}
