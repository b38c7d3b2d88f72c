using System.Buffers.Binary;

namespace BitNet.Runtime.Tests.Weights;

/// <summary>
/// Test-side encoders for the ternary formats, written from the fixtures README's byte rules (not from the decoders
/// under test), so round trips pin the layouts independently.
/// </summary>
internal static class TernaryBlockImages
{
    /// <summary>TQ2_0: 66-byte blocks of 256 (qs[64], then fp16 d); qs[32h + m] holds 128h + m + 32n at bits 2n.</summary>
    public static byte[] Tq2(sbyte[,] trits, float[] blockScales)
    {
        var (rows, columns) = (trits.GetLength(0), trits.GetLength(1));
        var blocks = columns / 256;
        var data = new byte[rows * blocks * 66];
        for (var r = 0; r < rows; r++)
            for (var j = 0; j < blocks; j++)
            {
                var block = data.AsSpan((r * blocks + j) * 66, 66);
                for (var h = 0; h < 2; h++)
                    for (var m = 0; m < 32; m++)
                        for (var n = 0; n < 4; n++)
                            block[32 * h + m] |= (byte)((trits[r, 256 * j + 128 * h + m + 32 * n] + 1) << (2 * n));
                BinaryPrimitives.WriteHalfLittleEndian(block[64..], (Half)blockScales[r * blocks + j]);
            }
        return data;
    }

    /// <summary>TQ1_0: 54-byte blocks of 256 (qs[48], qh[4], fp16 d); base-3 digits, first most significant, stored as ⌈q·256/243⌉.</summary>
    public static byte[] Tq1(sbyte[,] trits, float[] blockScales)
    {
        var (rows, columns) = (trits.GetLength(0), trits.GetLength(1));
        var blocks = columns / 256;
        var data = new byte[rows * blocks * 54];
        for (var r = 0; r < rows; r++)
            for (var j = 0; j < blocks; j++)
            {
                var block = data.AsSpan((r * blocks + j) * 54, 54);
                int Code(int e) => trits[r, 256 * j + e] + 1;
                for (var k = 0; k < 32; k++)
                    block[k] = Pack5(Code(k), Code(k + 32), Code(k + 64), Code(k + 96), Code(k + 128));
                for (var m = 0; m < 16; m++)
                    block[32 + m] = Pack5(Code(160 + m), Code(176 + m), Code(192 + m), Code(208 + m), Code(224 + m));
                for (var i = 0; i < 4; i++)
                    block[48 + i] = Pack5(Code(240 + i), Code(244 + i), Code(248 + i), Code(252 + i), 0);
                BinaryPrimitives.WriteHalfLittleEndian(block[52..], (Half)blockScales[r * blocks + j]);
            }
        return data;
    }

    /// <summary>The stored byte for five base-3 digits: q = Σ c_n · 3^(4−n), stored as ⌈q · 256 / 243⌉.</summary>
    public static byte Pack5(int c0, int c1, int c2, int c3, int c4)
    {
        var q = c0 * 81 + c1 * 27 + c2 * 9 + c3 * 3 + c4;
        return (byte)((q * 256 + 242) / 243);
    }

    /// <summary>I2_S: 128-element blocks of 32 bytes, element j in byte j mod 32 at bits (7 − 2g)..(6 − 2g); then f32 scale and 28 zero bytes.</summary>
    public static byte[] I2S(sbyte[,] trits, float scale)
    {
        var (rows, columns) = (trits.GetLength(0), trits.GetLength(1));
        var data = new byte[rows * columns / 4 + 32];
        for (var r = 0; r < rows; r++)
            for (var k = 0; k < columns; k++)
            {
                var flat = r * columns + k;
                var (block, j) = (flat / 128, flat % 128);
                data[block * 32 + j % 32] |= (byte)((trits[r, k] + 1) << (6 - 2 * (j / 32)));
            }
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(rows * columns / 4), scale);
        return data;
    }

    public static sbyte[,] RandomTrits(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var trits = new sbyte[rows, columns];
        for (var r = 0; r < rows; r++)
            for (var k = 0; k < columns; k++)
                trits[r, k] = (sbyte)(random.Next(3) - 1);
        return trits;
    }

    public static sbyte[,] Zeros(int rows, int columns) => new sbyte[rows, columns];
}
