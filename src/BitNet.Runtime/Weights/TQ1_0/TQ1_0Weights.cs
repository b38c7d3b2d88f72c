using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Weights.TQ1_0;

/// <summary>Loads ggml's TQ1_0 tensors (type 34) into <see cref="PackedTernaryMatrix"/>.</summary>
/// <remarks>
/// <para><b>Layout</b> (docs: ternary-formats.md §2). Each row is cut into blocks of 256 elements (the row length must
/// be a multiple of 256), each 54 bytes: <c>qs[48]</c>, <c>qh[4]</c>, then the fp16 scale <c>d</c>. A byte packs base-3
/// codes c = t + 1, the first one most significant, as the fixed-point fraction ⌈q · 256 / 243⌉ of their value q; code
/// n (0..4) is recovered as ((byte · 3ⁿ mod 256) · 3) >> 8.</para>
/// <list type="bullet">
/// <item><c>qs[k]</c>, k = 0..31, holds elements k + 32n, n = 0..4 (elements 0..159);</item>
/// <item><c>qs[32 + m]</c>, m = 0..15, holds elements 160 + m + 16n, n = 0..4 (elements 160..239);</item>
/// <item><c>qh[j]</c>, j = 0..3, holds elements 240 + j + 4n, n = 0..3 (elements 240..255; the fifth code is padding).</item>
/// </list>
/// <para>Every byte decodes to codes 0..2, so there is no invalid code to reject. Weight = (c − 1) · d. Scales are
/// handled as for TQ2_0: one per-tensor scale when every non-zero block scale agrees, block scales otherwise, and
/// blocks with d = 0 decode as zeros.</para>
/// </remarks>
public static class TQ1_0Weights
{
    /// <summary>Elements per block.</summary>
    public const int BlockElements = 256;

    /// <summary>Bytes per block: 48 bytes of five codes, 4 bytes of four codes, then the fp16 scale.</summary>
    public const int BlockBytes = 54;

    private const int ScaleOffset = 52;

    /// <summary>The ternary value (code − 1) of digit n of byte b, at [b · 5 + n].</summary>
    private static readonly sbyte[] s_digits = BuildDigitTable();

    /// <summary>Loads a TQ1_0 tensor.</summary>
    /// <exception cref="GgufFormatException">The row length is not a multiple of 256 or a block scale is negative or not
    /// finite (the message names the tensor and the byte offset in the file).</exception>
    public static PackedTernaryMatrix Load(GgufFile file, GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tensor);
        TernaryWeights.Expect(tensor, GgufTensorType.TQ1_0);
        var (rows, columns) = TernaryWeights.Shape(tensor);
        return Decode(tensor.Name, rows, columns, file.GetTensorBytes(tensor), tensor.DataOffset, file.SourceName);
    }

    /// <summary>
    /// Decodes a TQ1_0 data region of <paramref name="rows"/> × <paramref name="columns"/>. <paramref name="dataOffset"/>
    /// is where <paramref name="data"/> starts in its file, so errors report file offsets.
    /// </summary>
    internal static PackedTernaryMatrix Decode(string name, int rows, int columns, ReadOnlySpan<byte> data, long dataOffset = 0, string? source = null)
    {
        var blocksPerRow = columns / BlockElements;
        var rowBytes = (long)blocksPerRow * BlockBytes;
        TernaryWeights.CheckGeometry("TQ1_0", name, rows, columns, BlockElements, rows * rowBytes, data.Length, dataOffset, source);

        var scales = TernaryWeights.ReadHalfBlockScales("TQ1_0", name, data, rows * blocksPerRow, BlockBytes, ScaleOffset, dataOffset, source);
        var matrix = TernaryWeights.CreateForBlockScales(name, rows, columns, scales);
        try
        {
            var values = new sbyte[columns];
            for (var r = 0; r < rows; r++)
            {
                for (var j = 0; j < blocksPerRow; j++)
                {
                    var blockIndex = r * blocksPerRow + j;
                    var dst = values.AsSpan(j * BlockElements, BlockElements);
                    if (scales[blockIndex] == 0) dst.Clear();
                    else DecodeBlock(data.Slice(blockIndex * BlockBytes, ScaleOffset), dst);
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

    /// <summary>Decodes one block's 52 code bytes (qs, then qh) into 256 ternary values.</summary>
    private static void DecodeBlock(ReadOnlySpan<byte> codes, Span<sbyte> values)
    {
        var digits = s_digits.AsSpan();
        for (var k = 0; k < 32; k++)
        {
            var d = digits.Slice(codes[k] * 5, 5);
            for (var n = 0; n < 5; n++) values[k + 32 * n] = d[n];
        }
        for (var m = 0; m < 16; m++)
        {
            var d = digits.Slice(codes[32 + m] * 5, 5);
            for (var n = 0; n < 5; n++) values[160 + m + 16 * n] = d[n];
        }
        for (var j = 0; j < 4; j++)
        {
            var d = digits.Slice(codes[48 + j] * 5, 5);
            for (var n = 0; n < 4; n++) values[240 + j + 4 * n] = d[n];
        }
    }

    private static sbyte[] BuildDigitTable()
    {
        var table = new sbyte[256 * 5];
        for (var b = 0; b < 256; b++)
        {
            var power = 1;
            for (var n = 0; n < 5; n++, power *= 3)
            {
                var t = (byte)(b * power);     // uint8 multiply, wrapping
                table[b * 5 + n] = (sbyte)(((t * 3) >> 8) - 1);
            }
        }
        return table;
    }
}
