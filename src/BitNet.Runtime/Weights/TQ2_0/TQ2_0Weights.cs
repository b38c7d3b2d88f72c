using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Weights.TQ2_0;

/// <summary>Loads ggml's TQ2_0 tensors (type 35) into <see cref="PackedTernaryMatrix"/>.</summary>
/// <remarks>
/// <para><b>Layout</b> (docs: ternary-formats.md §1). Each row is cut into blocks of 256 elements (the row length must
/// be a multiple of 256), each 66 bytes: <c>qs[64]</c>, then the fp16 scale <c>d</c>. Byte m (0..31) of half h (0, 1),
/// i.e. <c>qs[32h + m]</c>, holds elements 128h + m + 32n for n = 0..3 at bits 2n..2n+1 (n = 0 least significant),
/// as code c = t + 1. Weight = (c − 1) · d; code 3 is invalid.</para>
/// <para><b>Scales</b> as every ternary block format (<see cref="TernaryBlockCodec{TFormat}"/>): one per-tensor scale
/// when every non-zero block scale agrees, block scales otherwise; blocks with d = 0 decode as zeros.</para>
/// </remarks>
public static class TQ2_0Weights
{
    /// <summary>Elements per block.</summary>
    public const int BlockElements = 256;

    /// <summary>Bytes per block: 64 bytes of codes, then the fp16 scale.</summary>
    public const int BlockBytes = 66;

    /// <summary>Loads a TQ2_0 tensor.</summary>
    /// <exception cref="GgufFormatException">The row length is not a multiple of 256, a block scale is negative or not
    /// finite, or a code 3 is present (the message names the tensor and the byte offset in the file).</exception>
    public static PackedTernaryMatrix Load(GgufFile file, GgufTensorInfo tensor) => TernaryBlockCodec<TQ2_0Block>.Load(file, tensor);

    /// <summary>
    /// Decodes a TQ2_0 data region of <paramref name="rows"/> × <paramref name="columns"/>. <paramref name="dataOffset"/>
    /// is where <paramref name="data"/> starts in its file, so errors report file offsets.
    /// </summary>
    internal static PackedTernaryMatrix Decode(string name, int rows, int columns, ReadOnlySpan<byte> data, long dataOffset = 0, string? source = null) =>
        TernaryBlockCodec<TQ2_0Block>.Decode(name, rows, columns, data, dataOffset, source);
}

/// <summary>TQ2_0's code layout (see <see cref="TQ2_0Weights"/>).</summary>
internal sealed class TQ2_0Block : ITernaryBlockFormat
{
    public static string Name => "TQ2_0";

    public static GgufTensorType TensorType => GgufTensorType.TQ2_0;

    public static int BlockBytes => TQ2_0Weights.BlockBytes;

    public static string InvalidCode(byte value, int offset) => $"qs[{offset}] holds code 3; valid codes are 0 (−1), 1 (0) and 2 (+1).";

    /// <summary>Decodes one block's 64 code bytes into 256 ternary values; returns the first byte holding a code 3, or −1.</summary>
    /// <remarks>16 bytes (64 values) per step; Vector128 is emulated where the CPU lacks it, so there is one code path.</remarks>
    public static int DecodeBlock(ReadOnlySpan<byte> qs, Span<sbyte> values)
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

    /// <summary>Packs 256 values: qs[32h + m] holds elements 128h + m + 32n at bits 2n..2n+1 (n = 0 least significant).</summary>
    public static void EncodeBlock(ReadOnlySpan<sbyte> values, Span<byte> codes)
    {
        var one = Vector128<byte>.One;
        var v = MemoryMarshal.AsBytes(values);
        for (var i = 0; i < 64; i += 16)
        {
            var first = i / 32 * 128 + i % 32;
            var c0 = Vector128.Create(v.Slice(first, 16)) + one;
            var c1 = Vector128.Create(v.Slice(first + 32, 16)) + one;
            var c2 = Vector128.Create(v.Slice(first + 64, 16)) + one;
            var c3 = Vector128.Create(v.Slice(first + 96, 16)) + one;
            (c0 | (c1 << 2) | (c2 << 4) | (c3 << 6)).CopyTo(codes[i..]);
        }
    }
}
