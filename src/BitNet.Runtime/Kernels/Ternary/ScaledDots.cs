using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>
/// The last step of an int8 ternary product: the kernels' raw sums Σ c·q (codes c = t + 1) become outputs
/// y = (Σ c·q − Σq) · scale. Vectorized because a prefill GEMM writes tokens × rows of them (2.4% of a 512-token prefill
/// as a scalar loop); the integer subtraction, the int → float conversion (round to nearest) and the float multiply
/// are the scalar loop's operations, so the outputs are bit-identical to it.
/// </summary>
internal static unsafe class ScaledDots
{
    /// <summary>y[i] = (dots[i] − <paramref name="sum"/>) · <paramref name="scale"/> for i &lt; <paramref name="count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(int* dots, int count, int sum, float scale, float* y)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var sums = Vector512.Create(sum);
            var scales = Vector512.Create(scale);
            for (; i + 16 <= count; i += 16)
                (Vector512.ConvertToSingle(Vector512.Load(dots + i) - sums) * scales).Store(y + i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var sums = Vector256.Create(sum);
            var scales = Vector256.Create(scale);
            for (; i + 8 <= count; i += 8)
                (Vector256.ConvertToSingle(Vector256.Load(dots + i) - sums) * scales).Store(y + i);
        }
        for (; i < count; i++) y[i] = (dots[i] - sum) * scale;
    }
}
