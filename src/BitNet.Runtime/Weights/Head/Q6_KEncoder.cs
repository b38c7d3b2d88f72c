using System.Buffers.Binary;

namespace BitNet.Runtime.Weights.Head;

/// <summary>
/// Writes ggml's Q6_K super-blocks (210 bytes per 256 values; layout in <see cref="Kernels.Quantized.Q6_KDot"/>) with a
/// plain absolute-maximum choice of scales: each 16-value group's step maps its largest-magnitude value to code −32,
/// the group steps are quantized to int8 against one F16 step d = max|step| / 127, and every value is rounded to the
/// nearest code in [−32, 31].
/// </summary>
/// <remarks>Any ggml reader decodes the result exactly (value = d · s · (u − 32)). It is not ggml's quantizer, which
/// searches scales to minimize the squared error; its error is therefore somewhat larger (docs/benchmarks.md measures
/// the effect on logits with this encoder).</remarks>
public static class Q6_KEncoder
{
    /// <summary>Values per super-block.</summary>
    public const int BlockElements = 256;

    /// <summary>Bytes per super-block.</summary>
    public const int BlockBytes = 210;

    /// <summary>The bytes <paramref name="count"/> values take (a multiple of 256).</summary>
    public static long ByteSize(long count) =>
        count % BlockElements == 0 ? count / BlockElements * BlockBytes : throw new ArgumentException($"Q6_K needs a multiple of {BlockElements} values, got {count}.", nameof(count));

    /// <summary>Encodes <paramref name="values"/> (a multiple of 256) into <paramref name="destination"/>.</summary>
    public static void Encode(ReadOnlySpan<float> values, Span<byte> destination)
    {
        var bytes = ByteSize(values.Length);
        if (destination.Length < bytes) throw new ArgumentException($"Needs {bytes} bytes.", nameof(destination));
        Span<float> steps = stackalloc float[16];
        Span<sbyte> scales = stackalloc sbyte[16];
        Span<byte> codes = stackalloc byte[BlockElements];
        for (var b = 0; b < values.Length / BlockElements; b++)
        {
            var x = values.Slice(b * BlockElements, BlockElements);
            var block = destination.Slice(b * BlockBytes, BlockBytes);
            var maxStep = 0f;
            for (var g = 0; g < 16; g++)
            {
                float m = 0, am = 0;
                for (var j = 0; j < 16; j++)
                {
                    var v = x[g * 16 + j];
                    if (MathF.Abs(v) > am) { am = MathF.Abs(v); m = v; }
                }
                steps[g] = m / -32f;
                maxStep = MathF.Max(maxStep, MathF.Abs(steps[g]));
            }
            var d = (float)(Half)(maxStep / 127f);
            for (var g = 0; g < 16; g++)
            {
                scales[g] = d == 0 ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(steps[g] / d), -127, 127);
                var step = d * scales[g];
                for (var j = 0; j < 16; j++)
                {
                    var q = step == 0 ? 0 : (int)Math.Clamp(MathF.Round(x[g * 16 + j] / step), -32, 31);
                    codes[g * 16 + j] = (byte)(q + 32);
                }
            }
            for (var half = 0; half < 2; half++)
            {
                var u = codes.Slice(128 * half, 128);
                for (var l = 0; l < 32; l++)
                {
                    block[64 * half + l] = (byte)((u[l] & 0xF) | (u[l + 64] & 0xF) << 4);
                    block[64 * half + l + 32] = (byte)((u[l + 32] & 0xF) | (u[l + 96] & 0xF) << 4);
                    block[128 + 32 * half + l] = (byte)(u[l] >> 4 | (u[l + 32] >> 4) << 2 | (u[l + 64] >> 4) << 4 | (u[l + 96] >> 4) << 6);
                }
            }
            for (var g = 0; g < 16; g++) block[192 + g] = (byte)scales[g];
            BinaryPrimitives.WriteUInt16LittleEndian(block[208..], BitConverter.HalfToUInt16Bits((Half)d));
        }
    }
}
