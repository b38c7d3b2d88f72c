using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>
/// AVX2: a chunk is two 32-byte halves; byte m of the first half holds elements m + 64g, of the second 32 + m + 64g.
/// vpmaddubsw multiplies u8 codes by s8 activations into s16 pairs (at most 2048 per lane per chunk, no saturation),
/// vpmaddwd widens to int32.
/// </summary>
internal sealed unsafe class Avx2TernaryKernel : TernaryKernel
{
    public override KernelPath Path => KernelPath.Avx2;

    public override bool IsSupported => Avx2.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void RowDots(byte* codes, int rowStride, int chunks, sbyte* x, int rows, int* dots)
    {
        var ones = Vector256.Create((short)1);
        for (var r = 0; r < rows; r++)
        {
            var row = codes + (long)r * rowStride;
            var acc = Vector256<int>.Zero;
            for (var j = 0; j < chunks; j++)
            {
                var sum = Avx2.Add(Half(Vector256.Load(row + j * 64), x + j * 256), Half(Vector256.Load(row + j * 64 + 32), x + j * 256 + 32));
                acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(sum, ones));
            }
            dots[r] = Vector256.Sum(acc);
        }
    }

    // Prefill: one row × eight vectors. 16 ymm registers hold the row's 4 unpacked code vectors, 8 int16 accumulators,
    // the mask and one product (activations are memory operands of vpmaddubsw), so each unpack (7 ops) feeds eight
    // vectors instead of four. The loop over rows is inside the loop over vector groups, so a group's activations stay in
    // L1. A remainder of four to seven vectors takes the 1 × 4 tile, the rest one vector at a time.
    // The 1 × 8 tile rereads eight vectors' activations for every row, and once they outgrow L1 (8 × 6912 bytes for the
    // 2B4T down projection) it ran 27% slower than the 1 × 4 tile (docs/benchmarks.md): wider rows keep the 1 × 4 tile.
    private const int EightVectorMaxChunks = 12; // 8 vectors × 12 chunks × 256 bytes = 24 KiB

    // An int16 lane sums a chunk's 8 pair sums (two halves × four groups, |Σ| ≤ 8 · 512 = 4096): eight chunks fit
    // before widening (8 · 4096 = 32768, reached only at −128, which sums to exactly −32768).
    private const int ChunksPerWidening = 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void RowDotsBatch(byte* codes, int rowStride, int chunks, sbyte* xs, int xStride, int count, int rows, int* dots)
    {
        var n = 0;
        if (chunks <= EightVectorMaxChunks)
            for (; n + 8 <= count; n += 8)
                for (var r = 0; r < rows; r++)
                    RowEightVectors(codes + (long)r * rowStride, chunks, xs + (long)n * xStride, xStride, dots + (long)n * rows + r, rows);
        for (; n + 4 <= count; n += 4)
            for (var r = 0; r < rows; r++)
                RowFourVectors(codes + (long)r * rowStride, chunks, xs + (long)n * xStride, xStride, dots + (long)n * rows + r, rows);
        for (; n < count; n++)
            RowDots(codes, rowStride, chunks, xs + (long)n * xStride, rows, dots + (long)n * rows);
    }

    /// <summary>dots[k · rows] for vectors k ∈ 0..7 against one row.</summary>
    // Too large to inline: compiled fully optimized from the first call instead of through tier 0.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowEightVectors(byte* row, int chunks, sbyte* x0, int xStride, int* dots, int rows)
    {
        var mask = Vector256.Create((byte)3);
        var x1 = x0 + xStride;
        var x2 = x1 + xStride;
        var x3 = x2 + xStride;
        var x4 = x3 + xStride;
        var x5 = x4 + xStride;
        var x6 = x5 + xStride;
        var x7 = x6 + xStride;
        // Lane k of totals is the dot with vector k: one register instead of eight int32 accumulators.
        var totals = Vector256<int>.Zero;
        for (var j0 = 0; j0 < chunks; j0 += ChunksPerWidening)
        {
            Vector256<short> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            var j1 = Math.Min(chunks, j0 + ChunksPerWidening);
            for (var j = j0; j < j1; j++)
            {
                for (var half = 0; half < 2; half++)
                {
                    var w = Vector256.Load(row + j * 64 + half * 32);
                    var c0 = w & mask;
                    var c1 = Avx2.ShiftRightLogical(w.AsUInt16(), 2).AsByte() & mask;
                    var c2 = Avx2.ShiftRightLogical(w.AsUInt16(), 4).AsByte() & mask;
                    var c3 = Avx2.ShiftRightLogical(w.AsUInt16(), 6).AsByte() & mask;
                    var o = j * 256 + half * 32;
                    s0 = Accumulate(s0, c0, c1, c2, c3, x0 + o);
                    s1 = Accumulate(s1, c0, c1, c2, c3, x1 + o);
                    s2 = Accumulate(s2, c0, c1, c2, c3, x2 + o);
                    s3 = Accumulate(s3, c0, c1, c2, c3, x3 + o);
                    s4 = Accumulate(s4, c0, c1, c2, c3, x4 + o);
                    s5 = Accumulate(s5, c0, c1, c2, c3, x5 + o);
                    s6 = Accumulate(s6, c0, c1, c2, c3, x6 + o);
                    s7 = Accumulate(s7, c0, c1, c2, c3, x7 + o);
                }
            }
            totals += LaneSums(Widen(s0), Widen(s1), Widen(s2), Widen(s3), Widen(s4), Widen(s5), Widen(s6), Widen(s7));
        }
        for (var k = 0; k < 8; k++) dots[(long)k * rows] = totals.GetElement(k);
    }

    /// <summary>s plus one half's four groups of pair sums, added one product at a time so that a single temporary is live.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Accumulate(Vector256<short> s, Vector256<byte> c0, Vector256<byte> c1, Vector256<byte> c2, Vector256<byte> c3, sbyte* x)
    {
        s = Avx2.Add(s, Avx2.MultiplyAddAdjacent(c0, Vector256.Load(x)));
        s = Avx2.Add(s, Avx2.MultiplyAddAdjacent(c1, Vector256.Load(x + 64)));
        s = Avx2.Add(s, Avx2.MultiplyAddAdjacent(c2, Vector256.Load(x + 128)));
        return Avx2.Add(s, Avx2.MultiplyAddAdjacent(c3, Vector256.Load(x + 192)));
    }

    /// <summary>The int16 pair sums of a run of chunks, widened to int32 (vpmaddwd by ones).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Widen(Vector256<short> sums) => Avx2.MultiplyAddAdjacent(sums, Vector256.Create((short)1));

    /// <summary>Lane m of the result is the sum of v<sub>m</sub>'s eight lanes: a transpose-and-add tree of 23 instructions
    /// instead of eight horizontal sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> LaneSums(Vector256<int> v0, Vector256<int> v1, Vector256<int> v2, Vector256<int> v3,
                                           Vector256<int> v4, Vector256<int> v5, Vector256<int> v6, Vector256<int> v7)
    {
        // 128-bit lanes of h_m: partial sums of v_m and v_{m+4}.
        var h0 = FoldHalves(v0, v4);
        var h1 = FoldHalves(v1, v5);
        var h2 = FoldHalves(v2, v6);
        var h3 = FoldHalves(v3, v7);
        // Within each 128-bit lane: two partial sums each of h_m's and h_{m+2}'s.
        var q0 = Avx2.UnpackLow(h0.AsInt64(), h2.AsInt64()).AsInt32() + Avx2.UnpackHigh(h0.AsInt64(), h2.AsInt64()).AsInt32();
        var q1 = Avx2.UnpackLow(h1.AsInt64(), h3.AsInt64()).AsInt32() + Avx2.UnpackHigh(h1.AsInt64(), h3.AsInt64()).AsInt32();
        var t0 = Avx2.UnpackLow(q0, q1);
        var t1 = Avx2.UnpackHigh(q0, q1);
        return Avx2.UnpackLow(t0.AsInt64(), t1.AsInt64()).AsInt32() + Avx2.UnpackHigh(t0.AsInt64(), t1.AsInt64()).AsInt32();
    }

    /// <summary>Lower 128 bits: a's two halves added; upper: b's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> FoldHalves(Vector256<int> a, Vector256<int> b) =>
        Avx2.Permute2x128(a, b, 0x20) + Avx2.Permute2x128(a, b, 0x31);

    /// <summary>dots[k · rows] for vectors k ∈ 0..3 against one row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowFourVectors(byte* row, int chunks, sbyte* x0, int xStride, int* dots, int rows)
    {
        var mask = Vector256.Create((byte)3);
        var ones = Vector256.Create((short)1);
        Vector256<int> d0 = default, d1 = default, d2 = default, d3 = default;
        for (var j0 = 0; j0 < chunks; j0 += ChunksPerWidening)
        {
            Vector256<short> s0 = default, s1 = default, s2 = default, s3 = default;
            var j1 = Math.Min(chunks, j0 + ChunksPerWidening);
            for (var j = j0; j < j1; j++)
            {
                for (var half = 0; half < 2; half++)
                {
                    var w = Vector256.Load(row + j * 64 + half * 32);
                    var c0 = w & mask;
                    var c1 = Avx2.ShiftRightLogical(w.AsUInt16(), 2).AsByte() & mask;
                    var c2 = Avx2.ShiftRightLogical(w.AsUInt16(), 4).AsByte() & mask;
                    var c3 = Avx2.ShiftRightLogical(w.AsUInt16(), 6).AsByte() & mask;
                    var o = j * 256 + half * 32;
                    s0 = Avx2.Add(s0, Groups(c0, c1, c2, c3, x0 + o));
                    s1 = Avx2.Add(s1, Groups(c0, c1, c2, c3, x0 + xStride + o));
                    s2 = Avx2.Add(s2, Groups(c0, c1, c2, c3, x0 + 2L * xStride + o));
                    s3 = Avx2.Add(s3, Groups(c0, c1, c2, c3, x0 + 3L * xStride + o));
                }
            }
            d0 = Avx2.Add(d0, Avx2.MultiplyAddAdjacent(s0, ones));
            d1 = Avx2.Add(d1, Avx2.MultiplyAddAdjacent(s1, ones));
            d2 = Avx2.Add(d2, Avx2.MultiplyAddAdjacent(s2, ones));
            d3 = Avx2.Add(d3, Avx2.MultiplyAddAdjacent(s3, ones));
        }
        dots[0] = Vector256.Sum(d0);
        dots[rows] = Vector256.Sum(d1);
        dots[2 * rows] = Vector256.Sum(d2);
        dots[3 * rows] = Vector256.Sum(d3);
    }

    /// <summary>Σ over the four groups of one half, unpacked codes against x[64g .. 64g + 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Groups(Vector256<byte> c0, Vector256<byte> c1, Vector256<byte> c2, Vector256<byte> c3, sbyte* x)
    {
        var p0 = Avx2.MultiplyAddAdjacent(c0, Vector256.Load(x));
        var p1 = Avx2.MultiplyAddAdjacent(c1, Vector256.Load(x + 64));
        var p2 = Avx2.MultiplyAddAdjacent(c2, Vector256.Load(x + 128));
        var p3 = Avx2.MultiplyAddAdjacent(c3, Vector256.Load(x + 192));
        return Avx2.Add(Avx2.Add(p0, p1), Avx2.Add(p2, p3));
    }

    /// <summary>The four groups of one 32-byte half: codes (w >> 2g) &amp; 3 against x[64g .. 64g + 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Half(Vector256<byte> w, sbyte* x)
    {
        var mask = Vector256.Create((byte)3);
        var p0 = Avx2.MultiplyAddAdjacent(w & mask, Vector256.Load(x));
        var p1 = Avx2.MultiplyAddAdjacent(Avx2.ShiftRightLogical(w.AsUInt16(), 2).AsByte() & mask, Vector256.Load(x + 64));
        var p2 = Avx2.MultiplyAddAdjacent(Avx2.ShiftRightLogical(w.AsUInt16(), 4).AsByte() & mask, Vector256.Load(x + 128));
        var p3 = Avx2.MultiplyAddAdjacent(Avx2.ShiftRightLogical(w.AsUInt16(), 6).AsByte() & mask, Vector256.Load(x + 192));
        return Avx2.Add(Avx2.Add(p0, p1), Avx2.Add(p2, p3));
    }
}
