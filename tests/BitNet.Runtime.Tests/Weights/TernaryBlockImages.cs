using System.Buffers.Binary;
using System.Runtime.InteropServices;
using BitNet.Runtime.Weights.I2S;
using BitNet.Runtime.Weights.TQ1_0;
using BitNet.Runtime.Weights.TQ2_0;

namespace BitNet.Runtime.Tests.Weights;

/// <summary>
/// Byte images of the ternary formats for the decoder tests, made by the runtime's encoders (<see cref="I2SEncoder"/>,
/// <see cref="TQ1_0Encoder"/>, <see cref="TQ2_0Encoder"/>). The encoders are separate code from the decoders, and both
/// are pinned to the fixtures README's byte rules by its worked examples and by re-encoding the peer-made fixture
/// tensors byte for byte (<c>TernaryEncoderTests</c>).
/// </summary>
internal static class TernaryBlockImages
{
    /// <summary>TQ2_0: 66-byte blocks of 256 (qs[64], then fp16 d); qs[32h + m] holds 128h + m + 32n at bits 2n.</summary>
    /// <remarks>Any scale is stored as given (also NaN or negative, for the rejection tests), which the encoder itself refuses.</remarks>
    public static byte[] Tq2(sbyte[,] trits, float[] blockScales) =>
        WithScales(TQ2_0Encoder.Encode(Flat(trits), trits.GetLength(0), trits.GetLength(1), new float[blockScales.Length]), blockScales, 66, 64);

    /// <summary>TQ1_0: 54-byte blocks of 256 (qs[48], qh[4], fp16 d); base-3 digits, first most significant, stored as ⌈q·256/243⌉.</summary>
    public static byte[] Tq1(sbyte[,] trits, float[] blockScales) =>
        WithScales(TQ1_0Encoder.Encode(Flat(trits), trits.GetLength(0), trits.GetLength(1), new float[blockScales.Length]), blockScales, 54, 52);

    /// <summary>The stored byte for five base-3 digits: q = Σ c_n · 3^(4−n), stored as ⌈q · 256 / 243⌉.</summary>
    public static byte Pack5(int c0, int c1, int c2, int c3, int c4) => TQ1_0Encoder.Pack5(c0, c1, c2, c3, c4);

    /// <summary>I2_S: 128-element blocks of 32 bytes, element j in byte j mod 32 at bits (7 − 2g)..(6 − 2g); then f32 scale and 28 zero bytes.</summary>
    /// <remarks>Any scale is stored as given (also NaN or negative, for the rejection tests).</remarks>
    public static byte[] I2S(sbyte[,] trits, float scale)
    {
        var data = I2SEncoder.Encode(Flat(trits), trits.GetLength(0), trits.GetLength(1), 0f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(data.Length - I2SEncoder.TailBytes), scale);
        return data;
    }

    private static byte[] WithScales(byte[] data, float[] blockScales, int blockBytes, int scaleOffset)
    {
        for (var i = 0; i < blockScales.Length; i++)
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(i * blockBytes + scaleOffset), (Half)blockScales[i]);
        return data;
    }

    /// <summary>The values of a 2-D array in row-major order (how .NET stores it).</summary>
    public static ReadOnlySpan<sbyte> Flat(sbyte[,] trits) =>
        MemoryMarshal.CreateReadOnlySpan(ref trits[0, 0], trits.Length);

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
