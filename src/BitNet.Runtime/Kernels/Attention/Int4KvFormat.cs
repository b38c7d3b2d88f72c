using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.KvCache;

namespace BitNet.Runtime.Kernels.Attention;

/// <summary>
/// Symmetric int4 per group of 32: scale = absmax / 7, code = round-half-even(x / scale) in [−7, 7], stored + 8 as a
/// nibble. A group's 16 bytes hold element j in the low nibble of byte j and element j + 16 in its high nibble, so a
/// vector of 16 bytes yields elements 0–15 from its low nibbles and 16–31 from its high ones.
/// </summary>
internal readonly unsafe struct Int4KvFormat : IKvElementFormat
{
    private const int Group = KvCacheLayout.Int4GroupLength;

    public static KvCacheType Type => KvCacheType.Int4;

    public static int GroupLength(int headDimension) => Group;

    public static void Encode(ReadOnlySpan<float> row, byte* codes, float* scales)
    {
        for (var g = 0; g < row.Length / Group; g++)
        {
            var group = row.Slice(g * Group, Group);
            var absMax = 0f;
            foreach (var x in group) absMax = MathF.Max(absMax, MathF.Abs(x));
            var scale = absMax / 7f;
            scales[g] = scale;
            var bytes = codes + g * (Group / 2);
            for (var j = 0; j < Group / 2; j++)
                bytes[j] = (byte)(Nibble(group[j], scale) | Nibble(group[j + Group / 2], scale) << 4);
        }
    }

    private static int Nibble(float x, float scale) => scale == 0 ? 8 : (int)Math.Clamp(MathF.Round(x / scale), -7f, 7f) + 8;

    public static float Decode(byte* codes, int index)
    {
        var b = codes[index / Group * (Group / 2) + index % (Group / 2)];
        return (index % Group < Group / 2 ? b & 0xF : b >> 4) - 8;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Decode16(byte* codes, int index)
    {
        var bits = Avx512F.ConvertToVector512Int32(Vector128.Load(codes + index / Group * (Group / 2)));
        var nibbles = (index & Group / 2) == 0 ? bits & Vector512.Create(0xF) : Avx512F.ShiftRightLogical(bits, 4);
        return Avx512F.ConvertToVector512Single(nibbles - Vector512.Create(8));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Decode8(byte* codes, int index)
    {
        var bits = Avx2.ConvertToVector256Int32(codes + index / Group * (Group / 2) + index % (Group / 2));
        var nibbles = (index & Group / 2) == 0 ? bits & Vector256.Create(0xF) : Avx2.ShiftRightLogical(bits, 4);
        return Avx.ConvertToVector256Single(nibbles - Vector256.Create(8));
    }
}
