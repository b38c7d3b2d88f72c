using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.KvCache;

namespace BitNet.Runtime.Kernels.Attention;

/// <summary>OCP FP8 E5M2 (bias 15, largest finite ±57344 = code 0x7B): round to nearest even, saturating instead of infinity.</summary>
internal readonly unsafe struct Fp8E5M2KvFormat : IKvElementFormat
{

    public static KvCacheType Type => KvCacheType.Fp8E5M2;

    public static int GroupLength(int headDimension) => 0;

    public static byte Round(float value) => MiniFloat.Encode(value, mantissaBits: 2, bias: 15, maxCode: 0x7B, maxValue: 57344f);

    public static void Encode(ReadOnlySpan<float> row, byte* codes, float* scales)
    {
        for (var i = 0; i < row.Length; i++) codes[i] = Round(row[i]);
    }

    public static float Decode(byte* codes, int index) => MiniFloat.Decode(codes[index], mantissaBits: 2, bias: 15);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Decode16(byte* codes, int index)
    {
        var bits = Avx512F.ConvertToVector512UInt32(Vector128.Load(codes + index));
        var magnitude = SmallFloatWidening.Widen(Avx512F.ShiftLeftLogical(bits & Vector512.Create(0x7Fu), 21), 0x0F800000u, bias: 15);
        return magnitude | Avx512F.ShiftLeftLogical(bits & Vector512.Create(0x80u), 24).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Decode8(byte* codes, int index)
    {
        var bits = Avx2.ConvertToVector256Int32(codes + index).AsUInt32();
        var magnitude = SmallFloatWidening.Widen(Avx2.ShiftLeftLogical(bits & Vector256.Create(0x7Fu), 21), 0x0F800000u, bias: 15);
        return magnitude | Avx2.ShiftLeftLogical(bits & Vector256.Create(0x80u), 24).AsSingle();
    }
}
