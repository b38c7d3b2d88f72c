using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.KvCache;

namespace BitNet.Runtime.Kernels.Attention;

/// <summary>IEEE half precision: the <see cref="Half"/> conversion (round to nearest even), saturated to ±65504 so that a huge activation cannot become an infinity that turns attention into NaN.</summary>
internal readonly unsafe struct Float16KvFormat : IKvElementFormat
{
    private const float MaxHalf = 65504f;

    public static KvCacheType Type => KvCacheType.F16;

    public static int GroupLength(int headDimension) => 0;

    public static void Encode(ReadOnlySpan<float> row, byte* codes, float* scales)
    {
        var halves = (ushort*)codes;
        for (var i = 0; i < row.Length; i++)
            halves[i] = BitConverter.HalfToUInt16Bits((Half)Math.Clamp(row[i], -MaxHalf, MaxHalf));
    }

    public static float Decode(byte* codes, int index) => (float)BitConverter.UInt16BitsToHalf(((ushort*)codes)[index]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Decode16(byte* codes, int index)
    {
        // .NET exposes no F16C conversion: widen the bits, move the magnitude under a float's and re-bias it, add the sign.
        var bits = Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)codes + index));
        var magnitude = SmallFloatWidening.Widen(Avx512F.ShiftLeftLogical(bits & Vector512.Create(0x7FFFu), 13), 0x0F800000u, bias: 15);
        return magnitude | Avx512F.ShiftLeftLogical(bits & Vector512.Create(0x8000u), 16).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Decode8(byte* codes, int index)
    {
        var bits = Avx2.ConvertToVector256Int32((ushort*)codes + index).AsUInt32();
        var magnitude = SmallFloatWidening.Widen(Avx2.ShiftLeftLogical(bits & Vector256.Create(0x7FFFu), 13), 0x0F800000u, bias: 15);
        return magnitude | Avx2.ShiftLeftLogical(bits & Vector256.Create(0x8000u), 16).AsSingle();
    }
}
