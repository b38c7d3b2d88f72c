using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>
/// AVX-512 BW table lookups on the <see cref="LookupTernaryCodes"/> layout: vpermw picks, for 32 rows at once, each
/// row's entry of a group's table (<see cref="LookupTables"/>), so one instruction does 96 exact multiply-adds where
/// vpmaddubsw does 64. Products the layout cannot serve (per-block scales or activations, float activations) take the
/// 2-bit AVX-512 kernel, whose methods this class inherits.
/// </summary>
/// <remarks>
/// Measured on Zen 4 (docs/benchmarks.md, "Lookup kernels"): one thread streams weights from DRAM ~1.4× faster than the
/// 2-bit GEMV, which is bound by its unpacking, and the 4-token × 128-row prefill tile runs ~1.7× the 2-row × 8-vector
/// tile's multiply-adds per second. The sums are the exact integers Σ t·q, so results equal the 2-bit path's bit for bit.
/// </remarks>
internal sealed unsafe class Avx512LookupKernel : TernaryKernel
{
    private static readonly Avx512TernaryKernel s_twoBit = new();

    public override KernelPath Path => KernelPath.Avx512Lookup;

    public override bool IsSupported => Avx512BW.IsSupported;

    public override bool ReadsLookupLayout => true;

    public override void RowDots(byte* codes, int rowStride, int chunks, sbyte* x, int rows, int* dots) =>
        s_twoBit.RowDots(codes, rowStride, chunks, x, rows, dots);

    public override void RowDotsBatch(byte* codes, int rowStride, int chunks, sbyte* xs, int xStride, int count, int rows, int* dots) =>
        s_twoBit.RowDotsBatch(codes, rowStride, chunks, xs, xStride, count, rows, dots);

    public override void RowDotsFloat(byte* codes, int rowStride, int chunks, float* x, int rows, float* dots) =>
        s_twoBit.RowDotsFloat(codes, rowStride, chunks, x, rows, dots);

    /// <summary>
    /// dots[r − first] = Σ t·x for the rows of super-blocks [<paramref name="firstSuperBlock"/>, <paramref name="endSuperBlock"/>),
    /// first = firstSuperBlock · 128, from the input's <paramref name="tables"/>.
    /// </summary>
    public static void Dots(LookupTernaryCodes w, short* tables, int firstSuperBlock, int endSuperBlock, int* dots) =>
        DotsBatch(w, tables, tableStride: 0, count: 1, firstSuperBlock, endSuperBlock, dots, dotStride: 0);

    /// <summary><see cref="Dots"/> over super-blocks [first, end) of one segment (numbered within it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SegmentDots(LookupTernaryCodes w, int segment, int first, int end, short* tables, int* dots)
    {
        for (var slice = 0; slice < w.Slices; slice++)
        {
            var length = w.SliceLength(slice);
            var sliceWords = w.SliceWords(segment, slice);
            var sliceTables = tables + slice * LookupTernaryCodes.SliceTriplets * 96;
            for (var sb = first; sb < end; sb++)
            {
                var p = sliceWords + (long)sb * length * LookupTernaryCodes.SuperBlockRows;
                Vector512<short> a0 = default, a1 = default, a2 = default, a3 = default;
                for (var t = 0; t < length; t++)
                {
                    var q = p + t * LookupTernaryCodes.SuperBlockRows;
                    Vector512<short> i0 = Vector512.Load(q), i1 = Vector512.Load(q + 32), i2 = Vector512.Load(q + 64), i3 = Vector512.Load(q + 96);
                    Input(ref a0, ref a1, ref a2, ref a3, sliceTables + t * 96, i0, i1, i2, i3,
                          Avx512BW.ShiftRightLogical(i0, 5), Avx512BW.ShiftRightLogical(i1, 5), Avx512BW.ShiftRightLogical(i2, 5), Avx512BW.ShiftRightLogical(i3, 5),
                          Avx512BW.ShiftRightLogical(i0, 10), Avx512BW.ShiftRightLogical(i1, 10), Avx512BW.ShiftRightLogical(i2, 10), Avx512BW.ShiftRightLogical(i3, 10));
                }
                Flush(dots + (sb - first) * LookupTernaryCodes.SuperBlockRows, a0, a1, a2, a3, slice == 0);
            }
        }
    }

    /// <summary>
    /// The same for <paramref name="count"/> inputs whose tables lie <paramref name="tableStride"/> shorts apart:
    /// dots[n · dotStride + r − first]. Four inputs share each load of a super-block's words.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotsBatch(LookupTernaryCodes w, short* tables, int tableStride, int count, int firstSuperBlock, int endSuperBlock,
                                 int* dots, int dotStride)
    {
        var bounds = w.SegmentBounds;
        for (var segment = 0; segment + 1 < bounds.Length; segment++)
        {
            int from = Math.Max(firstSuperBlock, bounds[segment]), to = Math.Min(endSuperBlock, bounds[segment + 1]);
            if (from >= to) continue;
            int first = from - bounds[segment], end = to - bounds[segment];
            var d = dots + (from - firstSuperBlock) * LookupTernaryCodes.SuperBlockRows;
            var n = 0;
            for (; n + 4 <= count; n += 4)
                FourInputs(w, segment, tables + (long)n * tableStride, tableStride, first, end, d + (long)n * dotStride, dotStride);
            for (; n < count; n++)
                SegmentDots(w, segment, first, end, tables + (long)n * tableStride, d + (long)n * dotStride);
        }
    }

    // 16 int16 accumulators (4 inputs × 4 blocks) and 12 shifted word vectors: 28 of 32 registers, no spills.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FourInputs(LookupTernaryCodes w, int segment, short* tables, int tableStride, int first, int end, int* dots, int dotStride)
    {
        for (var slice = 0; slice < w.Slices; slice++)
        {
            var length = w.SliceLength(slice);
            var sliceWords = w.SliceWords(segment, slice);
            var ta = tables + slice * LookupTernaryCodes.SliceTriplets * 96;
            var tb = ta + tableStride;
            var tc = tb + tableStride;
            var td = tc + tableStride;
            for (var sb = first; sb < end; sb++)
            {
                var p = sliceWords + (long)sb * length * LookupTernaryCodes.SuperBlockRows;
                Vector512<short> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
                Vector512<short> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
                for (var t = 0; t < length; t++)
                {
                    var q = p + t * LookupTernaryCodes.SuperBlockRows;
                    var o = t * 96;
                    Vector512<short> i0 = Vector512.Load(q), i1 = Vector512.Load(q + 32), i2 = Vector512.Load(q + 64), i3 = Vector512.Load(q + 96);
                    Vector512<short> j0 = Avx512BW.ShiftRightLogical(i0, 5), j1 = Avx512BW.ShiftRightLogical(i1, 5);
                    Vector512<short> j2 = Avx512BW.ShiftRightLogical(i2, 5), j3 = Avx512BW.ShiftRightLogical(i3, 5);
                    Vector512<short> k0 = Avx512BW.ShiftRightLogical(i0, 10), k1 = Avx512BW.ShiftRightLogical(i1, 10);
                    Vector512<short> k2 = Avx512BW.ShiftRightLogical(i2, 10), k3 = Avx512BW.ShiftRightLogical(i3, 10);
                    Input(ref a00, ref a01, ref a02, ref a03, ta + o, i0, i1, i2, i3, j0, j1, j2, j3, k0, k1, k2, k3);
                    Input(ref a10, ref a11, ref a12, ref a13, tb + o, i0, i1, i2, i3, j0, j1, j2, j3, k0, k1, k2, k3);
                    Input(ref a20, ref a21, ref a22, ref a23, tc + o, i0, i1, i2, i3, j0, j1, j2, j3, k0, k1, k2, k3);
                    Input(ref a30, ref a31, ref a32, ref a33, td + o, i0, i1, i2, i3, j0, j1, j2, j3, k0, k1, k2, k3);
                }
                var d = dots + (sb - first) * LookupTernaryCodes.SuperBlockRows;
                Flush(d, a00, a01, a02, a03, slice == 0);
                Flush(d + dotStride, a10, a11, a12, a13, slice == 0);
                Flush(d + 2L * dotStride, a20, a21, a22, a23, slice == 0);
                Flush(d + 3L * dotStride, a30, a31, a32, a33, slice == 0);
            }
        }
    }

    /// <summary>
    /// One input's three tables against four blocks' indices (i: bits 0–4, j: 5–9, k: 10–14 of each word; vpermw reads
    /// only the low five bits of an index, so shifting the word is enough).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Input(ref Vector512<short> a0, ref Vector512<short> a1, ref Vector512<short> a2, ref Vector512<short> a3, short* table,
                              Vector512<short> i0, Vector512<short> i1, Vector512<short> i2, Vector512<short> i3,
                              Vector512<short> j0, Vector512<short> j1, Vector512<short> j2, Vector512<short> j3,
                              Vector512<short> k0, Vector512<short> k1, Vector512<short> k2, Vector512<short> k3)
    {
        Vector512<short> t0 = Vector512.Load(table), t1 = Vector512.Load(table + 32), t2 = Vector512.Load(table + 64);
        a0 += Avx512BW.PermuteVar32x16(t0, i0) + Avx512BW.PermuteVar32x16(t1, j0) + Avx512BW.PermuteVar32x16(t2, k0);
        a1 += Avx512BW.PermuteVar32x16(t0, i1) + Avx512BW.PermuteVar32x16(t1, j1) + Avx512BW.PermuteVar32x16(t2, k1);
        a2 += Avx512BW.PermuteVar32x16(t0, i2) + Avx512BW.PermuteVar32x16(t1, j2) + Avx512BW.PermuteVar32x16(t2, k2);
        a3 += Avx512BW.PermuteVar32x16(t0, i3) + Avx512BW.PermuteVar32x16(t1, j3) + Avx512BW.PermuteVar32x16(t2, k3);
    }

    /// <summary>Widens a super-block's four int16 sums to int32 and stores (first slice) or adds them to its 128 dots.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Flush(int* d, Vector512<short> a0, Vector512<short> a1, Vector512<short> a2, Vector512<short> a3, bool first)
    {
        Store(d, a0, first);
        Store(d + 32, a1, first);
        Store(d + 64, a2, first);
        Store(d + 96, a3, first);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(int* d, Vector512<short> sums, bool first)
    {
        var low = Avx512BW.ConvertToVector512Int32(sums.GetLower());
        var high = Avx512BW.ConvertToVector512Int32(sums.GetUpper());
        if (!first)
        {
            low += Vector512.Load(d);
            high += Vector512.Load(d + 16);
        }
        low.Store(d);
        high.Store(d + 16);
    }
}
