using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.KvCache;

namespace BitNet.Runtime.Kernels.Attention;

/// <summary>Symmetric int8 per head per token: scale = absmax / 127, code = round-half-even(x / scale) in [−127, 127].</summary>
internal readonly unsafe struct Int8KvFormat : IKvElementFormat
{
    public static KvCacheType Type => KvCacheType.Int8;

    public static int GroupLength(int headDimension) => headDimension;

    public static void Encode(ReadOnlySpan<float> row, byte* codes, float* scales)
    {
        var absMax = 0f;
        foreach (var x in row) absMax = MathF.Max(absMax, MathF.Abs(x));
        var scale = absMax / 127f;
        scales[0] = scale;
        var q = (sbyte*)codes;
        for (var i = 0; i < row.Length; i++)
            q[i] = scale == 0 ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(row[i] / scale), -127f, 127f);
    }

    public static float Decode(byte* codes, int index) => ((sbyte*)codes)[index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Decode16(byte* codes, int index) =>
        Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)codes + index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Decode8(byte* codes, int index) =>
        Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32((sbyte*)codes + index));
}
