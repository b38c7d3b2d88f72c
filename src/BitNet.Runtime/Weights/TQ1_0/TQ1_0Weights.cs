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
/// <para>Every byte decodes to codes 0..2, so there is no invalid code to reject. Weight = (c − 1) · d. Scales as
/// every ternary block format (<see cref="TernaryBlockCodec{TFormat}"/>).</para>
/// </remarks>
public static class TQ1_0Weights
{
    /// <summary>Elements per block.</summary>
    public const int BlockElements = 256;

    /// <summary>Bytes per block: 48 bytes of five codes, 4 bytes of four codes, then the fp16 scale.</summary>
    public const int BlockBytes = 54;

    /// <summary>Loads a TQ1_0 tensor.</summary>
    /// <exception cref="GgufFormatException">The row length is not a multiple of 256 or a block scale is negative or not
    /// finite (the message names the tensor and the byte offset in the file).</exception>
    public static PackedTernaryMatrix Load(GgufFile file, GgufTensorInfo tensor) => TernaryBlockCodec<TQ1_0Block>.Load(file, tensor);

    /// <summary>
    /// Decodes a TQ1_0 data region of <paramref name="rows"/> × <paramref name="columns"/>. <paramref name="dataOffset"/>
    /// is where <paramref name="data"/> starts in its file, so errors report file offsets.
    /// </summary>
    internal static PackedTernaryMatrix Decode(string name, int rows, int columns, ReadOnlySpan<byte> data, long dataOffset = 0, string? source = null) =>
        TernaryBlockCodec<TQ1_0Block>.Decode(name, rows, columns, data, dataOffset, source);
}

/// <summary>TQ1_0's code layout (see <see cref="TQ1_0Weights"/>).</summary>
internal sealed class TQ1_0Block : ITernaryBlockFormat
{
    // ⌈q · 256 / 243⌉ for every base-3 value q of five digits (0..242): the stored byte.
    private static readonly byte[] s_stored = CreateStoredTable();

    public static string Name => "TQ1_0";

    public static GgufTensorType TensorType => GgufTensorType.TQ1_0;

    public static int BlockBytes => TQ1_0Weights.BlockBytes;

    public static string InvalidCode(byte value, int offset) => "every TQ1_0 byte is valid"; // never called: DecodeBlock accepts all bytes

    /// <summary>The stored byte for five codes (each 0..2, the first most significant): ⌈q · 256 / 243⌉ with q = Σ cₙ · 3^(4−n).</summary>
    public static byte Pack5(int c0, int c1, int c2, int c3, int c4)
    {
        if ((uint)c0 > 2 || (uint)c1 > 2 || (uint)c2 > 2 || (uint)c3 > 2 || (uint)c4 > 2)
            throw new ArgumentOutOfRangeException(nameof(c0), "Every code must be 0, 1 or 2.");
        return s_stored[c0 * 81 + c1 * 27 + c2 * 9 + c3 * 3 + c4];
    }

    /// <summary>
    /// Code c = t + 1. qs[k], k = 0..31: elements k + 32n; qs[32 + m], m = 0..15: elements 160 + m + 16n;
    /// qh[i], i = 0..3: elements 240 + i + 4n, then a fifth digit of 0.
    /// </summary>
    public static void EncodeBlock(ReadOnlySpan<sbyte> v, Span<byte> block)
    {
        for (var k = 0; k < 32; k++)
            block[k] = s_stored[(v[k] + 1) * 81 + (v[k + 32] + 1) * 27 + (v[k + 64] + 1) * 9 + (v[k + 96] + 1) * 3 + v[k + 128] + 1];
        for (var m = 0; m < 16; m++)
            block[32 + m] = s_stored[(v[160 + m] + 1) * 81 + (v[176 + m] + 1) * 27 + (v[192 + m] + 1) * 9 + (v[208 + m] + 1) * 3 + v[224 + m] + 1];
        for (var i = 0; i < 4; i++)
            block[48 + i] = s_stored[(v[240 + i] + 1) * 81 + (v[244 + i] + 1) * 27 + (v[248 + i] + 1) * 9 + (v[252 + i] + 1) * 3];
    }

    /// <summary>Decodes one block's 52 code bytes (qs, then qh) into 256 ternary values.</summary>
    /// <remarks>
    /// Digit n of byte b is ((b · 3ⁿ mod 256) · 3) >> 8, i.e. with t = b · 3ⁿ mod 256: 0 for t ≤ 85, 1 for 86 ≤ t ≤ 170 and
    /// 2 for t ≥ 171. The value (digit − 1) is therefore −1 − [t > 85] − [t > 170] with comparison masks of −1, which
    /// decodes 16 bytes per step (Vector128 is emulated where the CPU lacks it, so there is one code path).
    /// </remarks>
    public static int DecodeBlock(ReadOnlySpan<byte> codes, Span<sbyte> values)
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
        return -1; // every byte decodes to valid codes
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

    private static byte[] CreateStoredTable()
    {
        var table = new byte[243];
        for (var q = 0; q < 243; q++) table[q] = (byte)((q * 256 + 242) / 243);
        return table;
    }
}
