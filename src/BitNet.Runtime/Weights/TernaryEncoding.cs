using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BitNet.Runtime.Weights;

/// <summary>Helpers shared by the format encoders (<c>I2SEncoder</c>, <c>TQ1_0Encoder</c>, <c>TQ2_0Encoder</c>).</summary>
internal static class TernaryEncoding
{
    /// <summary>The error for a value outside −1..1 in <paramref name="values"/>[start .. start + count), naming its index.</summary>
    public static ArgumentException NotTernary(ReadOnlySpan<sbyte> values, int start, int count)
    {
        for (var i = start; i < start + count && i < values.Length; i++)
            if (values[i] is < -1 or > 1)
                return new ArgumentException($"Value {i} is {values[i]}, not a ternary value (−1, 0 or +1).", nameof(values));
        return new ArgumentException("A value is not ternary.", nameof(values));
    }

    /// <summary>Whether every value is −1, 0 or +1 (16 at a time: t + 1 as a byte is 0..2 exactly for those).</summary>
    public static bool AllTernary(ReadOnlySpan<sbyte> values)
    {
        ref var src = ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(values));
        var i = 0;
        for (; i + 16 <= values.Length; i += 16)
            if (Vector128.GreaterThanAny(Vector128.LoadUnsafe(ref src, (nuint)i) + Vector128<byte>.One, Vector128.Create((byte)2))) return false;
        for (; i < values.Length; i++)
            if (values[i] is < -1 or > 1) return false;
        return true;
    }

    /// <summary>Checks a block scale the decoders accept (finite, ≥ 0 after rounding to fp16) and returns it as fp16.</summary>
    public static Half HalfScale(float scale, string paramName)
    {
        var d = (Half)scale;
        if (!Half.IsFinite(d) || scale < 0)
            throw new ArgumentOutOfRangeException(paramName, scale, "A block scale must be finite as fp16 (below 65520) and ≥ 0.");
        return d;
    }
}
