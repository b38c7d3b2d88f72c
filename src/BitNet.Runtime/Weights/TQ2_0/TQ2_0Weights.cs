using System.Runtime.Intrinsics;
using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Weights.TQ2_0;

/// <summary>Loads ggml's TQ2_0 tensors (type 35) into <see cref="PackedTernaryMatrix"/>.</summary>
/// <remarks>
/// <para><b>Layout</b> (docs: ternary-formats.md §1). Each row is cut into blocks of 256 elements (the row length must
/// be a multiple of 256), each 66 bytes: <c>qs[64]</c>, then the fp16 scale <c>d</c>. Byte m (0..31) of half h (0, 1),
/// i.e. <c>qs[32h + m]</c>, holds elements 128h + m + 32n for n = 0..3 at bits 2n..2n+1 (n = 0 least significant),
/// as code c = t + 1. Weight = (c − 1) · d; code 3 is invalid.</para>
/// <para><b>Scales.</b> ggml's quantizer writes d = max|x| of the block, so a tensor quantized from ternary weights
/// {−s, 0, +s} has d = s in every block (0 in an all-zero block): the matrix then gets the per-tensor scale s. Otherwise
/// it keeps every block's d (<see cref="PackedTernaryMatrix.BlockScales"/>) and sets
/// <see cref="PackedTernaryMatrix.Scale"/> to NaN, so that a consumer ignoring the block scales fails loudly. A block
/// with d = 0 dequantizes to zeros whatever its codes say, so it is decoded as all zeros.</para>
/// </remarks>
public static class TQ2_0Weights
{
    /// <summary>Elements per block.</summary>
    public const int BlockElements = 256;

    /// <summary>Bytes per block: 64 bytes of codes, then the fp16 scale.</summary>
    public const int BlockBytes = 66;

    private const int ScaleOffset = 64;

    /// <summary>Loads a TQ2_0 tensor.</summary>
    /// <exception cref="GgufFormatException">The row length is not a multiple of 256, a block scale is negative or not
    /// finite, or a code 3 is present (the message names the tensor and the byte offset in the file).</exception>
    public static PackedTernaryMatrix Load(GgufFile file, GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tensor);
        TernaryWeights.Expect(tensor, GgufTensorType.TQ2_0);
        var (rows, columns) = TernaryWeights.Shape(tensor);
        return Decode(tensor.Name, rows, columns, file.GetTensorBytes(tensor), tensor.DataOffset, file.SourceName);
    }

    /// <summary>
    /// Decodes a TQ2_0 data region of <paramref name="rows"/> × <paramref name="columns"/>. <paramref name="dataOffset"/>
    /// is where <paramref name="data"/> starts in its file, so errors report file offsets.
    /// </summary>
    internal static PackedTernaryMatrix Decode(string name, int rows, int columns, ReadOnlySpan<byte> data, long dataOffset = 0, string? source = null)
    {
        var blocksPerRow = columns / BlockElements;
        var rowBytes = (long)blocksPerRow * BlockBytes;
        TernaryWeights.CheckGeometry("TQ2_0", name, rows, columns, BlockElements, rows * rowBytes, data.Length, dataOffset, source);

        var scales = TernaryWeights.ReadHalfBlockScales("TQ2_0", name, data, rows * blocksPerRow, BlockBytes, ScaleOffset, dataOffset, source);
        var matrix = TernaryWeights.CreateForBlockScales(name, rows, columns, scales);
        try
        {
            var values = new sbyte[columns];
            for (var r = 0; r < rows; r++)
            {
                for (var j = 0; j < blocksPerRow; j++)
                {
                    var blockIndex = r * blocksPerRow + j;
                    var blockStart = blockIndex * BlockBytes;
                    var dst = values.AsSpan(j * BlockElements, BlockElements);
                    var bad = DecodeBlock(data.Slice(blockStart, ScaleOffset), dst);
                    if (bad >= 0)
                        throw new GgufFormatException(name, dataOffset + blockStart + bad,
                            $"TQ2_0 byte 0x{data[blockStart + bad]:X2} (row {r}, block {j}, qs[{bad}]) holds code 3; valid codes are 0 (−1), 1 (0) and 2 (+1).", source);
                    if (scales[blockIndex] == 0) dst.Clear();
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

    /// <summary>Decodes one block's 64 code bytes into 256 ternary values; returns the first byte holding a code 3, or −1.</summary>
    /// <remarks>16 bytes (64 values) per step; Vector128 is emulated where the CPU lacks it, so there is one code path.</remarks>
    private static int DecodeBlock(ReadOnlySpan<byte> qs, Span<sbyte> values)
    {
        var one = Vector128<byte>.One;
        var three = Vector128.Create((byte)3);
        var lowBits = Vector128.Create((byte)0x55);
        for (var i = 0; i < 64; i += 16)
        {
            var b = Vector128.Create(qs.Slice(i, 16));
            // A code 3 is a bit pair with both bits set.
            if ((b & (b >> 1) & lowBits) != Vector128<byte>.Zero)
            {
                while ((qs[i] & (qs[i] >> 1) & 0x55) == 0) i++;
                return i;
            }
            // qs[32h + m] holds elements 128h + m + 32n at bits 2n..2n+1.
            var e = i / 32 * 128 + i % 32;
            ((b & three) - one).AsSByte().CopyTo(values[e..]);
            (((b >> 2) & three) - one).AsSByte().CopyTo(values[(e + 32)..]);
            (((b >> 4) & three) - one).AsSByte().CopyTo(values[(e + 64)..]);
            ((b >> 6) - one).AsSByte().CopyTo(values[(e + 96)..]);
        }
        return -1;
    }
}
