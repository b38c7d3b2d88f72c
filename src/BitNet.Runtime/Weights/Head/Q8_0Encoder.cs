using System.Buffers.Binary;

namespace BitNet.Runtime.Weights.Head;

/// <summary>Writes ggml's Q8_0 blocks (34 bytes per 32 values: F16 d, 32 int8 q) by the formula of ggml's reference quantizer.</summary>
public static class Q8_0Encoder
{
    /// <summary>Values per block.</summary>
    public const int BlockElements = 32;

    /// <summary>Bytes per block.</summary>
    public const int BlockBytes = 34;

    /// <summary>The bytes <paramref name="count"/> values take (a multiple of 32).</summary>
    public static long ByteSize(long count) =>
        count % BlockElements == 0 ? count / BlockElements * BlockBytes : throw new ArgumentException($"Q8_0 needs a multiple of {BlockElements} values, got {count}.", nameof(count));

    /// <summary>
    /// Encodes <paramref name="values"/> (a multiple of 32) into <paramref name="destination"/>: per block d = max|x| / 127
    /// (stored as F16), q = round(x / d) with halves away from zero (ggml's <c>quantize_row_q8_0_ref</c>).
    /// </summary>
    public static void Encode(ReadOnlySpan<float> values, Span<byte> destination)
    {
        var bytes = ByteSize(values.Length);
        if (destination.Length < bytes) throw new ArgumentException($"Needs {bytes} bytes.", nameof(destination));
        for (var b = 0; b < values.Length / BlockElements; b++)
        {
            var x = values.Slice(b * BlockElements, BlockElements);
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            var amax = 0f;
            foreach (var v in x) amax = MathF.Max(amax, MathF.Abs(v));
            var d = amax / 127f;
            var id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(block, BitConverter.HalfToUInt16Bits((Half)d));
            for (var j = 0; j < BlockElements; j++) block[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }
}
