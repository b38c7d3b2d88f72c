using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>
/// AVX-512 BW: one 64-byte load is one chunk of 256 codes; four shift-and-mask steps give 64 codes each, in element
/// order, for vpmaddubsw (u8 codes × s8 activations → s16 pairs). .NET 10 exposes 512-bit VNNI only through AVX10,
/// which Zen 4 and Zen 5 do not report, so the int16 pair sums are added up and widened with vpmaddwd every 16 chunks.
/// </summary>
/// <remarks>
/// Overflow: a pair is at most 2·128 + 2·128 = 512 in magnitude; four groups add to 2048 per int16 lane per chunk, and
/// sixteen chunks to 32768 at most, reached only at −128 (<see cref="ChunksPerWidening"/>).
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
        var ones = Vector512.Create((short)1);
        for (var r = 0; r < rows; r++)
        {
            var row = codes + (long)r * rowStride;
            var acc = Vector512<int>.Zero;
            for (var j0 = 0; j0 < chunks; j0 += ChunksPerWidening)
            {
                var sum = Vector512<short>.Zero;
                var j1 = Math.Min(chunks, j0 + ChunksPerWidening);
                for (var j = j0; j < j1; j++) sum = Avx512BW.Add(sum, Group4(Vector512.Load(row + j * 64), x + j * 256));
                acc = Avx512BW.Add(acc, Avx512BW.MultiplyAddAdjacent(sum, ones));
            }
            dots[r] = Vector512.Sum(acc);
        }
    }

    // Prefill tiling: a tile of 2 rows × 8 vectors keeps 8 unpacked code vectors and 16 int16 accumulators in
    // registers (26 of 32 with the activation and the mask), so every activation load feeds two rows and every unpack
    // eight vectors: 142 vector ops per 4,096 multiply-adds against 2 × 78 for two 2 × 4 tiles. The loop over row
    // pairs is inside the loop over vector groups, so a group's activations (8 × 2560 bytes on 2B4T) stay in L1.
    // A remainder of four to seven vectors takes the 2 × 4 tile, the rest one vector at a time.
    // Cheaper unpacking did not pay on Zen 4 (docs/benchmarks.md, session 4): GFNI affine transforms (4 ops instead of 7)
    // and unpacking rows once into an L1/L2 buffer both measured 2–5% slower, which points at vpmaddubsw (one per 64
    // multiply-adds) rather than the unpack as the bound.

    // int16 lanes hold a chunk's four groups of pair sums (|Σ| ≤ 4 · 2 · 2 · 128 = 2048): sixteen chunks fit before the
    // widening to int32 (16 · 2048 = 32768, and the bound is only reached at −128, which sums to exactly −32768).
    private const int ChunksPerWidening = 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void RowDotsBatch(byte* codes, int rowStride, int chunks, sbyte* xs, int xStride, int count, int rows, int* dots)
    {
        var n = 0;
        for (; n + 8 <= count; n += 8)
        {
            var r = 0;
            for (; r + 2 <= rows; r += 2)
                TwoRowsEightVectors(codes + (long)r * rowStride, rowStride, chunks, xs + (long)n * xStride, xStride, dots + (long)n * rows + r, rows);
            if (r < rows) LastRow(codes, rowStride, chunks, xs, xStride, n, 8, rows, dots);
        }
        if (n + 4 <= count)
        {
            var r = 0;
            for (; r + 2 <= rows; r += 2)
                TwoRowsFourVectors(codes + (long)r * rowStride, rowStride, chunks, xs + (long)n * xStride, xStride, dots + (long)n * rows + r, rows);
            if (r < rows) LastRow(codes, rowStride, chunks, xs, xStride, n, 4, rows, dots);
            n += 4;
        }
        for (; n < count; n++)
            RowDots(codes, rowStride, chunks, xs + (long)n * xStride, rows, dots + (long)n * rows);
    }

    /// <summary>An odd row count leaves the last row outside the row pairs: it is dotted with vectors n .. n + vectors − 1 one at a time.</summary>
    private void LastRow(byte* codes, int rowStride, int chunks, sbyte* xs, int xStride, int n, int vectors, int rows, int* dots)
    {
        var r = rows - 1;
        for (var k = n; k < n + vectors; k++)
            RowDots(codes + (long)r * rowStride, rowStride, chunks, xs + (long)k * xStride, 1, dots + (long)k * rows + r);
    }

    /// <summary>dots[k · rows + i] for rows i ∈ {0, 1} and vectors k ∈ 0..7.</summary>
    // Too large to inline: compiled fully optimized from the first call instead of through tier 0.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoRowsEightVectors(byte* row0, int rowStride, int chunks, sbyte* x0, int xStride, int* dots, int rows)
    {
        var mask = Vector512.Create((byte)3);
        var row1 = row0 + rowStride;
        var x1 = x0 + xStride;
        var x2 = x1 + xStride;
        var x3 = x2 + xStride;
        var x4 = x3 + xStride;
        var x5 = x4 + xStride;
        var x6 = x5 + xStride;
        var x7 = x6 + xStride;
        // Lane 2k + i of totals is the dot of row i with vector k; one register instead of sixteen int32 accumulators,
        // which would not fit beside the int16 ones.
        var totals = Vector512<int>.Zero;
        for (var j0 = 0; j0 < chunks; j0 += ChunksPerWidening)
        {
            Vector512<short> s00 = default, s01 = default, s02 = default, s03 = default, s04 = default, s05 = default, s06 = default, s07 = default;
            Vector512<short> s10 = default, s11 = default, s12 = default, s13 = default, s14 = default, s15 = default, s16 = default, s17 = default;
            var j1 = Math.Min(chunks, j0 + ChunksPerWidening);
            for (var j = j0; j < j1; j++)
            {
                var (a0, a1, a2, a3) = Unpack(Vector512.Load(row0 + j * 64), mask);
                var (b0, b1, b2, b3) = Unpack(Vector512.Load(row1 + j * 64), mask);
                var o = j * 256;
                Accumulate(ref s00, ref s10, a0, a1, a2, a3, b0, b1, b2, b3, x0 + o);
                Accumulate(ref s01, ref s11, a0, a1, a2, a3, b0, b1, b2, b3, x1 + o);
                Accumulate(ref s02, ref s12, a0, a1, a2, a3, b0, b1, b2, b3, x2 + o);
                Accumulate(ref s03, ref s13, a0, a1, a2, a3, b0, b1, b2, b3, x3 + o);
                Accumulate(ref s04, ref s14, a0, a1, a2, a3, b0, b1, b2, b3, x4 + o);
                Accumulate(ref s05, ref s15, a0, a1, a2, a3, b0, b1, b2, b3, x5 + o);
                Accumulate(ref s06, ref s16, a0, a1, a2, a3, b0, b1, b2, b3, x6 + o);
                Accumulate(ref s07, ref s17, a0, a1, a2, a3, b0, b1, b2, b3, x7 + o);
            }
            totals += LaneSums(
                Widen(s00), Widen(s10), Widen(s01), Widen(s11), Widen(s02), Widen(s12), Widen(s03), Widen(s13),
                Widen(s04), Widen(s14), Widen(s05), Widen(s15), Widen(s06), Widen(s16), Widen(s07), Widen(s17));
        }
        // Each vector's two rows are adjacent in dots: one 64-bit store per vector.
        var pairs = totals.AsInt64();
        for (var k = 0; k < 8; k++) *(long*)(dots + (long)k * rows) = pairs.GetElement(k);
    }

    /// <summary>The int16 pair sums of a run of chunks, widened to int32 (vpmaddwd by ones).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Widen(Vector512<short> sums) => Avx512BW.MultiplyAddAdjacent(sums, Vector512.Create((short)1));

    /// <summary>
    /// Lane m of the result is the sum of v<sub>m</sub>'s sixteen lanes: a transpose-and-add tree of 48 instructions
    /// instead of sixteen horizontal sums (~9 each).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> LaneSums(
        Vector512<int> v0, Vector512<int> v1, Vector512<int> v2, Vector512<int> v3, Vector512<int> v4, Vector512<int> v5, Vector512<int> v6, Vector512<int> v7,
        Vector512<int> v8, Vector512<int> v9, Vector512<int> v10, Vector512<int> v11, Vector512<int> v12, Vector512<int> v13, Vector512<int> v14, Vector512<int> v15)
    {
        // 256-bit halves: lower half of h_m sums v_m's halves, upper half v_{m+8}'s.
        var h0 = FoldHalves(v0, v8);
        var h1 = FoldHalves(v1, v9);
        var h2 = FoldHalves(v2, v10);
        var h3 = FoldHalves(v3, v11);
        var h4 = FoldHalves(v4, v12);
        var h5 = FoldHalves(v5, v13);
        var h6 = FoldHalves(v6, v14);
        var h7 = FoldHalves(v7, v15);
        // 128-bit lanes of q_m: partial sums of v_m, v_{m+8}, v_{m+4}, v_{m+12}.
        var q0 = FoldQuarters(h0, h4);
        var q1 = FoldQuarters(h1, h5);
        var q2 = FoldQuarters(h2, h6);
        var q3 = FoldQuarters(h3, h7);
        // Within each 128-bit lane: two partial sums each of q_m's and q_{m+2}'s.
        var e0 = Avx512F.UnpackLow(q0.AsInt64(), q2.AsInt64()).AsInt32() + Avx512F.UnpackHigh(q0.AsInt64(), q2.AsInt64()).AsInt32();
        var e1 = Avx512F.UnpackLow(q1.AsInt64(), q3.AsInt64()).AsInt32() + Avx512F.UnpackHigh(q1.AsInt64(), q3.AsInt64()).AsInt32();
        var t0 = Avx512F.UnpackLow(e0, e1);
        var t1 = Avx512F.UnpackHigh(e0, e1);
        var sums = Avx512F.UnpackLow(t0.AsInt64(), t1.AsInt64()).AsInt32() + Avx512F.UnpackHigh(t0.AsInt64(), t1.AsInt64()).AsInt32();
        // 128-bit lanes now hold v0..3, v8..11, v4..7, v12..15: swap the middle two.
        return Avx512F.Shuffle4x128(sums, sums, 0b11_01_10_00);
    }

    /// <summary>Lower 256 bits: a's two halves added; upper: b's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> FoldHalves(Vector512<int> a, Vector512<int> b) =>
        Avx512F.Shuffle4x128(a, b, 0b01_00_01_00) + Avx512F.Shuffle4x128(a, b, 0b11_10_11_10);

    /// <summary>128-bit lanes: a's lanes 0 + 1 and 2 + 3, then b's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> FoldQuarters(Vector512<int> a, Vector512<int> b) =>
        Avx512F.Shuffle4x128(a, b, 0b10_00_10_00) + Avx512F.Shuffle4x128(a, b, 0b11_01_11_01);

    /// <summary>dots[k · rows + i] for rows i ∈ {0, 1} and vectors k ∈ 0..3.</summary>
    // Too large to inline: compiled fully optimized from the first call instead of through tier 0.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoRowsFourVectors(byte* row0, int rowStride, int chunks, sbyte* x0, int xStride, int* dots, int rows)
    {
        var mask = Vector512.Create((byte)3);
        var ones = Vector512.Create((short)1);
        var row1 = row0 + rowStride;
        var x1 = x0 + xStride;
        var x2 = x1 + xStride;
        var x3 = x2 + xStride;
        Vector512<int> d00 = default, d01 = default, d02 = default, d03 = default;
        Vector512<int> d10 = default, d11 = default, d12 = default, d13 = default;
        for (var j0 = 0; j0 < chunks; j0 += ChunksPerWidening)
        {
            Vector512<short> s00 = default, s01 = default, s02 = default, s03 = default;
            Vector512<short> s10 = default, s11 = default, s12 = default, s13 = default;
            var j1 = Math.Min(chunks, j0 + ChunksPerWidening);
            for (var j = j0; j < j1; j++)
            {
                var (a0, a1, a2, a3) = Unpack(Vector512.Load(row0 + j * 64), mask);
                var (b0, b1, b2, b3) = Unpack(Vector512.Load(row1 + j * 64), mask);
                var o = j * 256;
                Accumulate(ref s00, ref s10, a0, a1, a2, a3, b0, b1, b2, b3, x0 + o);
                Accumulate(ref s01, ref s11, a0, a1, a2, a3, b0, b1, b2, b3, x1 + o);
                Accumulate(ref s02, ref s12, a0, a1, a2, a3, b0, b1, b2, b3, x2 + o);
                Accumulate(ref s03, ref s13, a0, a1, a2, a3, b0, b1, b2, b3, x3 + o);
            }
            d00 = Avx512BW.Add(d00, Avx512BW.MultiplyAddAdjacent(s00, ones));
            d01 = Avx512BW.Add(d01, Avx512BW.MultiplyAddAdjacent(s01, ones));
            d02 = Avx512BW.Add(d02, Avx512BW.MultiplyAddAdjacent(s02, ones));
            d03 = Avx512BW.Add(d03, Avx512BW.MultiplyAddAdjacent(s03, ones));
            d10 = Avx512BW.Add(d10, Avx512BW.MultiplyAddAdjacent(s10, ones));
            d11 = Avx512BW.Add(d11, Avx512BW.MultiplyAddAdjacent(s11, ones));
            d12 = Avx512BW.Add(d12, Avx512BW.MultiplyAddAdjacent(s12, ones));
            d13 = Avx512BW.Add(d13, Avx512BW.MultiplyAddAdjacent(s13, ones));
        }
        dots[0] = Vector512.Sum(d00);
        dots[1] = Vector512.Sum(d10);
        dots[rows] = Vector512.Sum(d01);
        dots[rows + 1] = Vector512.Sum(d11);
        dots[2 * rows] = Vector512.Sum(d02);
        dots[2 * rows + 1] = Vector512.Sum(d12);
        dots[3 * rows] = Vector512.Sum(d03);
        dots[3 * rows + 1] = Vector512.Sum(d13);
    }

    /// <summary>A chunk's four groups of 64 codes, in element order: (w &gt;&gt; 2g) &amp; 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<byte>, Vector512<byte>, Vector512<byte>, Vector512<byte>) Unpack(Vector512<byte> w, Vector512<byte> mask) =>
        (w & mask,
         Avx512BW.ShiftRightLogical(w.AsUInt16(), 2).AsByte() & mask,
         Avx512BW.ShiftRightLogical(w.AsUInt16(), 4).AsByte() & mask,
         Avx512BW.ShiftRightLogical(w.AsUInt16(), 6).AsByte() & mask);

    /// <summary>One vector's chunk against two rows' unpacked codes (a: row 0, b: row 1), each activation load used twice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(ref Vector512<short> sa, ref Vector512<short> sb,
                                   Vector512<byte> a0, Vector512<byte> a1, Vector512<byte> a2, Vector512<byte> a3,
                                   Vector512<byte> b0, Vector512<byte> b1, Vector512<byte> b2, Vector512<byte> b3, sbyte* x)
    {
        var v = Vector512.Load(x);
        sa = Avx512BW.Add(sa, Avx512BW.MultiplyAddAdjacent(a0, v));
        sb = Avx512BW.Add(sb, Avx512BW.MultiplyAddAdjacent(b0, v));
        v = Vector512.Load(x + 64);
        sa = Avx512BW.Add(sa, Avx512BW.MultiplyAddAdjacent(a1, v));
        sb = Avx512BW.Add(sb, Avx512BW.MultiplyAddAdjacent(b1, v));
        v = Vector512.Load(x + 128);
        sa = Avx512BW.Add(sa, Avx512BW.MultiplyAddAdjacent(a2, v));
        sb = Avx512BW.Add(sb, Avx512BW.MultiplyAddAdjacent(b2, v));
        v = Vector512.Load(x + 192);
        sa = Avx512BW.Add(sa, Avx512BW.MultiplyAddAdjacent(a3, v));
        sb = Avx512BW.Add(sb, Avx512BW.MultiplyAddAdjacent(b3, v));
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

    /// <summary>One chunk (64 bytes, 256 codes): the four groups' u8 × s8 pair sums, added in int16 (at most 2048 per lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Group4(Vector512<byte> w, sbyte* x)
    {
        var mask = Vector512.Create((byte)3);
        var c0 = w & mask;
        var c1 = Avx512BW.ShiftRightLogical(w.AsUInt16(), 2).AsByte() & mask;
        var c2 = Avx512BW.ShiftRightLogical(w.AsUInt16(), 4).AsByte() & mask;
        var c3 = Avx512BW.ShiftRightLogical(w.AsUInt16(), 6).AsByte() & mask;
        var p0 = Avx512BW.MultiplyAddAdjacent(c0, Vector512.Load(x));
        var p1 = Avx512BW.MultiplyAddAdjacent(c1, Vector512.Load(x + 64));
        var p2 = Avx512BW.MultiplyAddAdjacent(c2, Vector512.Load(x + 128));
        var p3 = Avx512BW.MultiplyAddAdjacent(c3, Vector512.Load(x + 192));
        return Avx512BW.Add(Avx512BW.Add(p0, p1), Avx512BW.Add(p2, p3));
    }
}
