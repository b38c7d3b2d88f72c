using System.Runtime.Intrinsics;
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
    /// <remarks>
    /// Digit n of byte b is ((b · 3ⁿ mod 256) · 3) >> 8, i.e. with t = b · 3ⁿ mod 256: 0 for t ≤ 85, 1 for 86 ≤ t ≤ 170 and
    /// 2 for t ≥ 171. The value (digit − 1) is therefore −1 − [t > 85] − [t > 170] with comparison masks of −1, which
    /// decodes 16 bytes per step (Vector128 is emulated where the CPU lacks it, so there is one code path).
    /// </remarks>
    private static void DecodeBlock(ReadOnlySpan<byte> codes, Span<sbyte> values)
    {
        // qs[k], k = 0..31: elements k + 32n; qs[32 + m], m = 0..15: elements 160 + m + 16n.
        Digits5(Vector128.Create(codes[..16]), values, 0, 32);
        Digits5(Vector128.Create(codes.Slice(16, 16)), values, 16, 32);
        Digits5(Vector128.Create(codes.Slice(32, 16)), values, 160, 16);
        // qh[j], j = 0..3: elements 240 + j + 4n, four digits (the fifth is padding).
        for (var j = 0; j < 4; j++)
        {
            var power = 1;
            for (var n = 0; n < 4; n++, power *= 3)
            {
                var t = (byte)(codes[48 + j] * power);
                values[240 + j + 4 * n] = (sbyte)(((t * 3) >> 8) - 1);
            }
        }
    }

    /// <summary>Writes digit n (n = 0..4) of 16 bytes to values[start + n·stride ..] (16 values each).</summary>
    private static void Digits5(Vector128<byte> b, Span<sbyte> values, int start, int stride)
    {
        var low = Vector128.Create((byte)85);
        var high = Vector128.Create((byte)170);
        var minusOne = Vector128.Create((sbyte)-1);
        var t = b;
        for (var n = 0; n < 5; n++)
        {
            var value = minusOne - Vector128.GreaterThan(t, low).AsSByte() - Vector128.GreaterThan(t, high).AsSByte();
            value.CopyTo(values[(start + n * stride)..]);
            t *= Vector128.Create((byte)3);    // b · 3ⁿ⁺¹ mod 256
        }
    }
}
