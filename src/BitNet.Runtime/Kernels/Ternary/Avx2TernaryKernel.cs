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

    // Prefill: one row × four vectors (16 ymm registers allow no more: 4 unpacked codes, 4 accumulators, temporaries),
    // rows taken TileRows at a time per group of four vectors so that their activations stay in L1.
    private const int TileRows = 16;

    // An int16 lane sums a chunk's 8 pair sums (two halves × four groups, |Σ| ≤ 8 · 512 = 4096): eight chunks fit
    // before widening (8 · 4096 = 32768, reached only at −128, which sums to exactly −32768).
    private const int ChunksPerWidening = 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void RowDotsBatch(byte* codes, int rowStride, int chunks, sbyte* xs, int xStride, int count, int rows, int* dots)
    {
        var n = 0;
        for (; n + 4 <= count; n += 4)
            for (var tile = 0; tile < rows; tile += TileRows)
                for (var r = tile; r < Math.Min(rows, tile + TileRows); r++)
                    RowFourVectors(codes + (long)r * rowStride, chunks, xs + (long)n * xStride, xStride, dots + (long)n * rows + r, rows);
        for (; n < count; n++)
            RowDots(codes, rowStride, chunks, xs + (long)n * xStride, rows, dots + (long)n * rows);
    }

    /// <summary>dots[k · rows] for vectors k ∈ 0..3 against one row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
