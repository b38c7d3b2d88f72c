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
