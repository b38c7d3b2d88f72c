using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>
/// Arm with the dot-product extension: SDOT multiplies four s8 pairs and accumulates into int32 lanes. Codes
/// {0, 1, 2} are valid signed bytes, so the same layout walk as <see cref="Vector128TernaryKernel"/> applies.
/// </summary>
internal sealed unsafe class AdvSimdDotTernaryKernel : TernaryKernel
{
    public override KernelPath Path => KernelPath.AdvSimdDot;

    public override bool IsSupported => Dp.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void RowDots(byte* codes, int rowStride, int chunks, sbyte* x, int rows, int* dots)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = codes + (long)r * rowStride;
            Vector128<int> a = default, b = default;
            for (var j = 0; j < chunks; j++)
                for (var q = 0; q < 4; q++)
                {
                    var w = Vector128.Load(row + j * 64 + q * 16);
                    var xs = x + j * 256 + q * 16;
                    var mask = Vector128.Create((byte)3);
                    a = Dot(a, w & mask, xs);
                    b = Dot(b, Vector128.ShiftRightLogical(w, 2) & mask, xs + 64);
                    a = Dot(a, Vector128.ShiftRightLogical(w, 4) & mask, xs + 128);
                    b = Dot(b, Vector128.ShiftRightLogical(w, 6), xs + 192);
                }
            dots[r] = Vector128.Sum(a + b);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Dot(Vector128<int> acc, Vector128<byte> c, sbyte* x) =>
        Dp.DotProduct(acc, c.AsSByte(), Vector128.Load(x));
}
