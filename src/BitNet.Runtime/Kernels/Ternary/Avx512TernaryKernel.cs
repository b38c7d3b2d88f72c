using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>
/// AVX-512 BW: one 64-byte load is one chunk of 256 codes; four shift-and-mask steps give 64 codes each, in element
/// order, for vpmaddubsw (u8 codes × s8 activations → s16 pairs). .NET 10 exposes 512-bit VNNI only through AVX10,
/// which this class of CPU (Zen 5) does not report, so the int16 pairs are widened with vpmaddwd once per chunk.
/// </summary>
/// <remarks>
/// Overflow: a pair is at most 2·128 + 2·128 = 512 in magnitude; four groups add to 2048 per int16 lane per chunk,
/// far below 32767, before the widening to int32.
/// </remarks>
internal sealed unsafe class Avx512TernaryKernel : TernaryKernel
{
    public override KernelPath Path => KernelPath.Avx512;

    public override bool IsSupported => Avx512BW.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void RowDots(byte* codes, int rowStride, int chunks, sbyte* x, int rows, int* dots)
    {
        // One row at a time: the weights of a row range are then one sequential stream, which the hardware prefetcher
        // follows. Interleaving two rows halved the streaming rate (9.5 against 28 GB/s per thread from DRAM) although it
        // is faster from cache.
        for (var r = 0; r < rows; r++)
        {
            var row = codes + (long)r * rowStride;
            var acc = Vector512<int>.Zero;
            for (var j = 0; j < chunks; j++) acc = Avx512BW.Add(acc, Chunk(Vector512.Load(row + j * 64), x + j * 256));
            dots[r] = Vector512.Sum(acc);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void RowDotsBatch(byte* codes, int rowStride, int chunks, sbyte* xs, int xStride, int count, int rows, int* dots)
    {
        // Prefill: unpack each chunk's codes once and apply them to four activation vectors at a time.
        var mask = Vector512.Create((byte)3);
        var ones = Vector512.Create((short)1);
        for (var r = 0; r < rows; r++)
        {
            var row = codes + (long)r * rowStride;
            var n = 0;
            for (; n + 4 <= count; n += 4)
            {
                var x0 = xs + (long)n * xStride;
                var x1 = x0 + xStride;
                var x2 = x1 + xStride;
                var x3 = x2 + xStride;
                Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default;
                for (var j = 0; j < chunks; j++)
                {
                    var w = Vector512.Load(row + j * 64);
                    var c0 = w & mask;
                    var c1 = Avx512BW.ShiftRightLogical(w.AsUInt16(), 2).AsByte() & mask;
                    var c2 = Avx512BW.ShiftRightLogical(w.AsUInt16(), 4).AsByte() & mask;
                    var c3 = Avx512BW.ShiftRightLogical(w.AsUInt16(), 6).AsByte() & mask;
                    var o = j * 256;
                    a0 = Avx512BW.Add(a0, Avx512BW.MultiplyAddAdjacent(Group4(c0, c1, c2, c3, x0 + o), ones));
                    a1 = Avx512BW.Add(a1, Avx512BW.MultiplyAddAdjacent(Group4(c0, c1, c2, c3, x1 + o), ones));
                    a2 = Avx512BW.Add(a2, Avx512BW.MultiplyAddAdjacent(Group4(c0, c1, c2, c3, x2 + o), ones));
                    a3 = Avx512BW.Add(a3, Avx512BW.MultiplyAddAdjacent(Group4(c0, c1, c2, c3, x3 + o), ones));
                }
                dots[(long)n * rows + r] = Vector512.Sum(a0);
                dots[(long)(n + 1) * rows + r] = Vector512.Sum(a1);
                dots[(long)(n + 2) * rows + r] = Vector512.Sum(a2);
                dots[(long)(n + 3) * rows + r] = Vector512.Sum(a3);
            }
            for (; n < count; n++)
                RowDots(row, rowStride, chunks, xs + (long)n * xStride, 1, dots + (long)n * rows + r);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void RowDotsFloat(byte* codes, int rowStride, int chunks, float* x, int rows, float* dots)
    {
        var mask = Vector512.Create((byte)3);
        for (var r = 0; r < rows; r++)
        {
            var row = codes + (long)r * rowStride;
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (var j = 0; j < chunks; j++)
            {
                var w = Vector512.Load(row + j * 64);
                var xs = x + j * 256;
                FloatGroup(w & mask, xs, ref acc0, ref acc1);
                FloatGroup(Avx512BW.ShiftRightLogical(w.AsUInt16(), 2).AsByte() & mask, xs + 64, ref acc0, ref acc1);
                FloatGroup(Avx512BW.ShiftRightLogical(w.AsUInt16(), 4).AsByte() & mask, xs + 128, ref acc0, ref acc1);
                FloatGroup(Avx512BW.ShiftRightLogical(w.AsUInt16(), 6).AsByte() & mask, xs + 192, ref acc0, ref acc1);
            }
            dots[r] = Vector512.Sum(acc0 + acc1);
        }
    }

    /// <summary>Accumulates Σ (c - 1) · x for 64 codes, widened 16 at a time to float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FloatGroup(Vector512<byte> c, float* x, ref Vector512<float> acc0, ref Vector512<float> acc1)
    {
        var one = Vector512.Create(1f);
        acc0 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(c.GetLower().GetLower())) - one, Vector512.Load(x), acc0);
        acc1 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(c.GetLower().GetUpper())) - one, Vector512.Load(x + 16), acc1);
        acc0 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(c.GetUpper().GetLower())) - one, Vector512.Load(x + 32), acc0);
        acc1 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(c.GetUpper().GetUpper())) - one, Vector512.Load(x + 48), acc1);
    }

    /// <summary>Σ code · x over one chunk, as int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Chunk(Vector512<byte> w, sbyte* x)
    {
        var mask = Vector512.Create((byte)3);
        var c0 = w & mask;
        var c1 = Avx512BW.ShiftRightLogical(w.AsUInt16(), 2).AsByte() & mask;
        var c2 = Avx512BW.ShiftRightLogical(w.AsUInt16(), 4).AsByte() & mask;
        var c3 = Avx512BW.ShiftRightLogical(w.AsUInt16(), 6).AsByte() & mask;
        return Avx512BW.MultiplyAddAdjacent(Group4(c0, c1, c2, c3, x), Vector512.Create((short)1));
    }

    /// <summary>The four groups' u8 × s8 pair sums, added in int16 (at most 2048 per lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Group4(Vector512<byte> c0, Vector512<byte> c1, Vector512<byte> c2, Vector512<byte> c3, sbyte* x)
    {
        var p0 = Avx512BW.MultiplyAddAdjacent(c0, Vector512.Load(x));
        var p1 = Avx512BW.MultiplyAddAdjacent(c1, Vector512.Load(x + 64));
        var p2 = Avx512BW.MultiplyAddAdjacent(c2, Vector512.Load(x + 128));
        var p3 = Avx512BW.MultiplyAddAdjacent(c3, Vector512.Load(x + 192));
        return Avx512BW.Add(Avx512BW.Add(p0, p1), Avx512BW.Add(p2, p3));
    }
}
