using System.Buffers.Binary;
using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Weights;

/// <summary>Loading and writing a <see cref="ITernaryBlockFormat"/>: geometry checks, block scales, rows, errors with file offsets.</summary>
/// <remarks>
/// <para><b>Scales.</b> ggml's quantizer writes d = max|x| of the block, so a tensor quantized from ternary weights
/// {−s, 0, +s} has d = s in every block (0 in an all-zero block): the matrix then gets the per-tensor scale s. Otherwise
/// it keeps every block's d (<see cref="PackedTernaryMatrix.BlockScales"/>) and sets
/// <see cref="PackedTernaryMatrix.Scale"/> to NaN, so that a consumer ignoring the block scales fails loudly. A block
/// with d = 0 dequantizes to zeros whatever its codes say, so it is decoded as all zeros.</para>
/// </remarks>
internal static class TernaryBlockCodec<TFormat> where TFormat : ITernaryBlockFormat
{
    private const int BlockElements = 256;

    private static int ScaleOffset => TFormat.BlockBytes - 2;

    public static PackedTernaryMatrix Load(GgufFile file, GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tensor);
        TernaryWeights.Expect(tensor, TFormat.TensorType);
        var (rows, columns) = TernaryWeights.Shape(tensor);
        return Decode(tensor.Name, rows, columns, file.GetTensorBytes(tensor), tensor.DataOffset, file.SourceName);
    }

    public static PackedTernaryMatrix Decode(string name, int rows, int columns, ReadOnlySpan<byte> data, long dataOffset, string? source)
    {
        var blocksPerRow = columns / BlockElements;
        var rowBytes = (long)blocksPerRow * TFormat.BlockBytes;
        TernaryWeights.CheckGeometry(TFormat.Name, name, rows, columns, BlockElements, rows * rowBytes, data.Length, dataOffset, source);

        var scales = TernaryWeights.ReadHalfBlockScales(TFormat.Name, name, data, rows * blocksPerRow, TFormat.BlockBytes, ScaleOffset, dataOffset, source);
        var matrix = TernaryWeights.CreateForBlockScales(name, rows, columns, scales);
        try
        {
            var values = new sbyte[columns];
            for (var r = 0; r < rows; r++)
            {
                for (var j = 0; j < blocksPerRow; j++)
                {
                    var blockIndex = r * blocksPerRow + j;
                    var blockStart = blockIndex * TFormat.BlockBytes;
                    var dst = values.AsSpan(j * BlockElements, BlockElements);
                    var bad = TFormat.DecodeBlock(data.Slice(blockStart, ScaleOffset), dst);
                    if (bad >= 0)
                        throw new GgufFormatException(name, dataOffset + blockStart + bad,
                            $"{TFormat.Name} byte 0x{data[blockStart + bad]:X2} (row {r}, block {j}): {TFormat.InvalidCode(data[blockStart + bad], bad)}", source);
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

    public static long ByteSize(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (columns % BlockElements != 0)
            throw new ArgumentException($"{TFormat.Name} needs rows of a multiple of {BlockElements} elements; got {columns}.", nameof(columns));
        return (long)rows * (columns / BlockElements) * TFormat.BlockBytes;
    }

    public static void EncodeBlocks(ReadOnlySpan<sbyte> values, float scale, Span<byte> destination)
    {
        var blocks = CheckLengths(values, destination);
        var d = TernaryEncoding.HalfScale(scale, nameof(scale));
        for (var j = 0; j < blocks; j++) EncodeBlock(values, j, d, destination);
    }

    public static void EncodeBlocks(ReadOnlySpan<sbyte> values, ReadOnlySpan<float> blockScales, Span<byte> destination)
    {
        var blocks = CheckLengths(values, destination);
        if (blockScales.Length != blocks) throw new ArgumentException($"{blocks} blocks need {blocks} scales; got {blockScales.Length}.", nameof(blockScales));
        for (var j = 0; j < blocks; j++) EncodeBlock(values, j, TernaryEncoding.HalfScale(blockScales[j], nameof(blockScales)), destination);
    }

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
        if (values.Length % BlockElements != 0)
            throw new ArgumentException($"{TFormat.Name} packs blocks of {BlockElements} values; got {values.Length}.", nameof(values));
        var blocks = values.Length / BlockElements;
        if (destination.Length < (long)blocks * TFormat.BlockBytes)
            throw new ArgumentException($"{blocks} blocks need {(long)blocks * TFormat.BlockBytes} bytes; the destination has {destination.Length}.", nameof(destination));
        return blocks;
    }

    private static void EncodeBlock(ReadOnlySpan<sbyte> values, int j, Half d, Span<byte> destination)
    {
        var v = values.Slice(j * BlockElements, BlockElements);
        if (!TernaryEncoding.AllTernary(v)) throw TernaryEncoding.NotTernary(values, j * BlockElements, BlockElements);
        var block = destination.Slice(j * TFormat.BlockBytes, TFormat.BlockBytes);
        TFormat.EncodeBlock(v, block[..ScaleOffset]);
        BinaryPrimitives.WriteHalfLittleEndian(block[ScaleOffset..], d);
    }
}
