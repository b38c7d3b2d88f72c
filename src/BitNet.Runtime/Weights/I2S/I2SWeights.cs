using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Weights.I2S;

/// <summary>
/// Loads bitnet.cpp's I2_S tensors (type id 36 in bitnet.cpp files) into <see cref="PackedTernaryMatrix"/>.
/// </summary>
/// <remarks>
/// <para><b>Layout</b> (x86 <c>ACT_PARALLEL</c>, the one the official 2B4T GGUF uses; docs: ternary-formats.md §4.1).
/// The M × K tensor is flattened row-major and cut into blocks of 128 elements, 32 bytes each (K must be a multiple of
/// 128, so row r starts at byte r·K/4). Element j of a block is in byte j mod 32 at bits (7 − 2g)..(6 − 2g), g = j div 32:
/// the first 32 elements take the most significant bit pair. Codes 0, 1, 2 mean −1, 0, +1; code 3 is invalid.</para>
/// <para>After the M·K/4 code bytes comes one little-endian float32, the per-tensor scale (then 28 padding bytes,
/// not checked). Weight = (code − 1) · scale.</para>
/// <para>Files from ARM (64-element blocks) or non-<c>ACT_PARALLEL</c> x86 builds (4 rows per byte) carry the same type
/// id but a different layout, with nothing in the file to tell them apart; they decode to wrong weights.</para>
/// </remarks>
public static class I2SWeights
{
    /// <summary>Elements per block.</summary>
    public const int BlockElements = 128;

    /// <summary>Bytes per block.</summary>
    public const int BlockBytes = BlockElements / 4;

    /// <summary>Loads an I2_S tensor.</summary>
    /// <exception cref="GgufFormatException">The row length is not a multiple of 128, the scale is negative or not finite,
    /// or a code 3 is present (the message names the tensor and the byte offset in the file).</exception>
    public static PackedTernaryMatrix Load(GgufFile file, GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tensor);
        TernaryWeights.Expect(tensor, GgufTensorType.I2_S);
        var (rows, columns) = TernaryWeights.Shape(tensor);
        return Decode(tensor.Name, rows, columns, file.GetTensorBytes(tensor), tensor.DataOffset, file.SourceName);
    }

    /// <summary>
    /// Decodes an I2_S data region (codes, then the float32 scale). <paramref name="dataOffset"/> is where
    /// <paramref name="data"/> starts in its file, so errors report file offsets.
    /// </summary>
    internal static PackedTernaryMatrix Decode(string name, int rows, int columns, ReadOnlySpan<byte> data, long dataOffset = 0, string? source = null)
    {
        var rowBytes = columns / 4;
        var codeBytes = (long)rows * rowBytes;
        TernaryWeights.CheckGeometry("I2_S", name, rows, columns, BlockElements, codeBytes + sizeof(float), data.Length, dataOffset, source);

        var scale = BinaryPrimitives.ReadSingleLittleEndian(data.Slice((int)codeBytes, sizeof(float)));
        if (!float.IsFinite(scale) || scale < 0)
            throw new GgufFormatException(name, dataOffset + codeBytes, $"the I2_S scale is {scale}; expected a finite value ≥ 0.", source);

        var matrix = new PackedTernaryMatrix(name, rows, columns, scale == 0 ? 0f : scale);
        try
        {
            var values = new sbyte[columns];
            for (var r = 0; r < rows; r++)
            {
                var rowStart = (int)((long)r * rowBytes);
                DecodeRow(data.Slice(rowStart, rowBytes), values, out var bad);
                if (bad >= 0)
                {
                    int b = data[rowStart + bad];
                    var g = 0;
                    while (((b >> (6 - 2 * g)) & 3) != 3) g++;
                    var column = bad / BlockBytes * BlockElements + g * BlockBytes + bad % BlockBytes;
                    throw new GgufFormatException(name, dataOffset + rowStart + bad,
                        $"I2_S byte 0x{b:X2} holds code 3 (row {r}, column {column}, bits {7 - 2 * g}..{6 - 2 * g}); valid codes are 0 (−1), 1 (0) and 2 (+1).", source);
                }
                matrix.SetRow(r, values);
            }
            return matrix;
        }
        catch
        {
            matrix.Dispose();
            throw;
        }
    }

    /// <summary>Decodes one row's code bytes into ternary values; <paramref name="bad"/> is the first byte holding a code 3, or −1.</summary>
    /// <remarks>16 bytes (64 values) per step; Vector128 is emulated where the CPU lacks it, so there is one code path.</remarks>
    private static void DecodeRow(ReadOnlySpan<byte> codes, Span<sbyte> values, out int bad)
    {
        var one = Vector128<byte>.One;
        var three = Vector128.Create((byte)3);
        var lowBits = Vector128.Create((byte)0x55);
        for (var block = 0; block < codes.Length; block += BlockBytes)
        {
            for (var p = 0; p < BlockBytes; p += 16)
            {
                var b = Vector128.Create(codes.Slice(block + p, 16));
                // A code 3 is a bit pair with both bits set.
                if ((b & (b >> 1) & lowBits) != Vector128<byte>.Zero)
                {
                    bad = block + p;
                    while ((codes[bad] & (codes[bad] >> 1) & 0x55) == 0) bad++;
                    return;
                }
                // Element p (+ 32g) of the block sits in bits 7 − 2g..6 − 2g.
                var e = block * 4 + p;
                ((b >> 6) - one).AsSByte().CopyTo(values[e..]);
                (((b >> 4) & three) - one).AsSByte().CopyTo(values[(e + 32)..]);
                (((b >> 2) & three) - one).AsSByte().CopyTo(values[(e + 64)..]);
                ((b & three) - one).AsSByte().CopyTo(values[(e + 96)..]);
            }
        }
        bad = -1;
    }
}
