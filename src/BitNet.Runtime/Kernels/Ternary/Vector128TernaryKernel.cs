using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>
/// Portable 128-bit path for any CPU with SIMD: a chunk is four 16-byte quarters (byte m of quarter q holds elements
/// 16q + m + 64g); codes and activations are widened to int16, multiplied, and widened to int32.
/// </summary>
internal sealed unsafe class Vector128TernaryKernel : TernaryKernel
{
    public override KernelPath Path => KernelPath.Vector128;

    public override bool IsSupported => Vector128.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void RowDots(byte* codes, int rowStride, int chunks, sbyte* x, int rows, int* dots)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = codes + (long)r * rowStride;
            var acc = Vector128<int>.Zero;
            for (var j = 0; j < chunks; j++)
                for (var q = 0; q < 4; q++)
                {
                    var w = Vector128.Load(row + j * 64 + q * 16);
                    var xs = x + j * 256 + q * 16;
                    var mask = Vector128.Create((byte)3);
                    acc += Group(w & mask, xs);
                    acc += Group(Vector128.ShiftRightLogical(w.AsUInt16(), 2).AsByte() & mask, xs + 64);
                    acc += Group(Vector128.ShiftRightLogical(w.AsUInt16(), 4).AsByte() & mask, xs + 128);
                    acc += Group(Vector128.ShiftRightLogical(w.AsUInt16(), 6).AsByte() & mask, xs + 192);
                }
            dots[r] = Vector128.Sum(acc);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Group(Vector128<byte> c, sbyte* x)
    {
        var xv = Vector128.Load(x);
        var (cLow, cHigh) = Vector128.Widen(c);
        var (xLow, xHigh) = Vector128.Widen(xv);
        // Products fit in int16 (|c·x| ≤ 256); their pairwise sums are taken in int32.
        var p = cLow.AsInt16() * xLow + cHigh.AsInt16() * xHigh;
        var (pLow, pHigh) = Vector128.Widen(p);
        return pLow + pHigh;
    }
}
