using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>
/// AVX-VNNI: the AVX2 layout walk, with vpdpbusd doing u8 × s8 multiply, pair sum and int32 accumulate in one
/// instruction (no int16 stage).
/// </summary>
internal sealed unsafe class AvxVnniTernaryKernel : TernaryKernel
{
    public override KernelPath Path => KernelPath.AvxVnni;

    public override bool IsSupported => AvxVnni.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void RowDots(byte* codes, int rowStride, int chunks, sbyte* x, int rows, int* dots)
    {
        // One row at a time keeps each thread's weights one sequential stream (see Avx512TernaryKernel.RowDots).
        for (var r = 0; r < rows; r++)
        {
            var row = codes + (long)r * rowStride;
            Vector256<int> a = default, b = default;
            for (var j = 0; j < chunks; j++)
            {
                Half(ref a, Vector256.Load(row + j * 64), x + j * 256);
                Half(ref b, Vector256.Load(row + j * 64 + 32), x + j * 256 + 32);
            }
            dots[r] = Vector256.Sum(Avx2.Add(a, b));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void RowDotsBatch(byte* codes, int rowStride, int chunks, sbyte* xs, int xStride, int count, int rows, int* dots)
    {
        var mask = Vector256.Create((byte)3);
        for (var r = 0; r < rows; r++)
        {
            var row = codes + (long)r * rowStride;
            var n = 0;
            for (; n + 2 <= count; n += 2)
            {
                var x0 = xs + (long)n * xStride;
                var x1 = x0 + xStride;
                Vector256<int> a0 = default, a1 = default;
                for (var j = 0; j < chunks; j++)
                {
                    for (var h = 0; h < 2; h++)
                    {
                        var w = Vector256.Load(row + j * 64 + h * 32);
                        var c0 = w & mask;
                        var c1 = Avx2.ShiftRightLogical(w.AsUInt16(), 2).AsByte() & mask;
                        var c2 = Avx2.ShiftRightLogical(w.AsUInt16(), 4).AsByte() & mask;
                        var c3 = Avx2.ShiftRightLogical(w.AsUInt16(), 6).AsByte() & mask;
                        var o = j * 256 + h * 32;
                        a0 = Dot4(a0, c0, c1, c2, c3, x0 + o);
                        a1 = Dot4(a1, c0, c1, c2, c3, x1 + o);
                    }
                }
                dots[(long)n * rows + r] = Vector256.Sum(a0);
                dots[(long)(n + 1) * rows + r] = Vector256.Sum(a1);
            }
            for (; n < count; n++)
                RowDots(row, rowStride, chunks, xs + (long)n * xStride, 1, dots + (long)n * rows + r);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot4(Vector256<int> acc, Vector256<byte> c0, Vector256<byte> c1, Vector256<byte> c2, Vector256<byte> c3, sbyte* x)
    {
        acc = AvxVnni.MultiplyWideningAndAdd(acc, c0, Vector256.Load(x));
        acc = AvxVnni.MultiplyWideningAndAdd(acc, c1, Vector256.Load(x + 64));
        acc = AvxVnni.MultiplyWideningAndAdd(acc, c2, Vector256.Load(x + 128));
        return AvxVnni.MultiplyWideningAndAdd(acc, c3, Vector256.Load(x + 192));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Half(ref Vector256<int> acc, Vector256<byte> w, sbyte* x)
    {
        var mask = Vector256.Create((byte)3);
        acc = Dot4(acc, w & mask, Avx2.ShiftRightLogical(w.AsUInt16(), 2).AsByte() & mask,
                   Avx2.ShiftRightLogical(w.AsUInt16(), 4).AsByte() & mask, Avx2.ShiftRightLogical(w.AsUInt16(), 6).AsByte() & mask, x);
    }
}
