using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.KvCache;

namespace BitNet.Runtime.Kernels.Attention;

/// <summary>bfloat16: a float's top 16 bits, rounded to nearest even (NaN stays a quiet NaN).</summary>
internal readonly unsafe struct BFloat16KvFormat : IKvElementFormat
{
    public static KvCacheType Type => KvCacheType.BF16;

    public static int GroupLength(int headDimension) => 0;

    public static void Encode(ReadOnlySpan<float> row, byte* codes, float* scales)
    {
        var halves = (ushort*)codes;
        for (var i = 0; i < row.Length; i++) halves[i] = Round(row[i]);
    }

    /// <summary>Round to nearest, ties to even, by adding just under half an ulp plus the kept lowest bit.</summary>
    public static ushort Round(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)(bits >> 16 | 0x40);
        return (ushort)((bits + 0x7FFFu + (bits >> 16 & 1)) >> 16);
    }

    public static float Decode(byte* codes, int index) => BitConverter.UInt32BitsToSingle((uint)((ushort*)codes)[index] << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Decode16(byte* codes, int index) =>
        Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)codes + index)), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Decode8(byte* codes, int index) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((ushort*)codes + index), 16).AsSingle();
}
