using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.KvCache;

namespace BitNet.Runtime.Kernels.Attention;

/// <summary>OCP FP8 E4M3 (bias 7, largest ±448 = code 0x7E, no infinity, 0x7F is NaN): round to nearest even, saturating.</summary>
internal readonly unsafe struct Fp8E4M3KvFormat : IKvElementFormat
{

    public static KvCacheType Type => KvCacheType.Fp8E4M3;

    public static int GroupLength(int headDimension) => 0;

    public static byte Round(float value) => MiniFloat.Encode(value, mantissaBits: 3, bias: 7, maxCode: 0x7E, maxValue: 448f);

    public static void Encode(ReadOnlySpan<float> row, byte* codes, float* scales)
    {
        for (var i = 0; i < row.Length; i++) codes[i] = Round(row[i]);
    }

    public static float Decode(byte* codes, int index) => MiniFloat.Decode(codes[index], mantissaBits: 3, bias: 7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Decode16(byte* codes, int index)
    {
        // Exponent and mantissa moved under a float's (bits 26..20) and re-biased; the sign to bit 31.
        var bits = Avx512F.ConvertToVector512UInt32(Vector128.Load(codes + index));
        var magnitude = SmallFloatWidening.Widen(Avx512F.ShiftLeftLogical(bits & Vector512.Create(0x7Fu), 20), 0x07800000u, bias: 7);
        return magnitude | Avx512F.ShiftLeftLogical(bits & Vector512.Create(0x80u), 24).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Decode8(byte* codes, int index)
    {
        var bits = Avx2.ConvertToVector256Int32(codes + index).AsUInt32();
        var magnitude = SmallFloatWidening.Widen(Avx2.ShiftLeftLogical(bits & Vector256.Create(0x7Fu), 20), 0x07800000u, bias: 7);
        return magnitude | Avx2.ShiftLeftLogical(bits & Vector256.Create(0x80u), 24).AsSingle();
    }
}
