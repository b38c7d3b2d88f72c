using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.Kernels.Float16;

namespace BitNet.Runtime.Kernels.Quantized;

/// <summary>
/// Dot product of one Q6_K weight row with Q8_K activations, as ggml's <c>vec_dot_q6_K_q8_K</c>:
/// Σ_b d_w,b · d_x,b · Σ_g s_g · Σ_{j∈g} (u_j − 32) · q_j over 256-value blocks b and their 16-value groups g, with u the
/// 6-bit weight codes and s the int8 group scales — an exact integer sum per block, scaled in float.
/// </summary>
/// <remarks>
/// <para>Block layout (210 bytes, ggml <c>block_q6_K</c>): <c>ql[128]</c> low 4 bits, <c>qh[64]</c> high 2 bits,
/// <c>scales[16]</c> int8, F16 <c>d</c>. In each 128-value half, byte l of <c>ql</c> (l &lt; 32) holds values l (low
/// nibble) and l + 64 (high nibble), byte l + 32 holds values l + 32 and l + 96, and byte l of <c>qh</c> holds bits 4–5
/// of values l, l + 32, l + 64, l + 96 in its bit pairs 0–1, 2–3, 4–5, 6–7.</para>
/// <para>The SIMD paths multiply the unsigned codes u ∈ [0, 63] (so <c>vpmaddubsw</c> applies directly, pair sums
/// ≤ 2·63·127) and subtract 32·Σ_g s_g·Σ_{j∈g} q_j using the activations' group sums.</para>
/// </remarks>
internal static unsafe class Q6_KDot
{
    /// <summary>Bytes per block.</summary>
    public const int BlockBytes = 210;

    /// <summary>Weights per block.</summary>
    public const int BlockElements = 256;

    private const int HighBitsOffset = 128, ScalesOffset = 192, StepOffset = 208;

    /// <summary>The paths this class implements, in the order tried when none is forced (measured, docs/benchmarks.md:
    /// 2B4T decode with a Q6_K head, best of 3 on Zen 5: AVX-512 36.5 tok/s, AVX-VNNI 34.1, AVX2 29.2).</summary>
    public static IReadOnlyList<KernelPath> Paths { get; } = [KernelPath.Avx512, KernelPath.AvxVnni, KernelPath.Avx2, KernelPath.Scalar];

    /// <summary>The path chosen once for this CPU.</summary>
    public static KernelPath DefaultPath { get; } = Paths.First(IsSupported);

    /// <summary>Whether this CPU can run <paramref name="path"/>.</summary>
    public static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Scalar => true,
        KernelPath.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        KernelPath.AvxVnni => AvxVnni.IsSupported && Fma.IsSupported,
        KernelPath.Avx512 => Avx512BW.IsSupported && Avx512F.IsSupported,
        _ => false,
    };

    /// <summary>The dot of the row at <paramref name="row"/> (<paramref name="blocks"/> blocks) with <paramref name="x"/> (Q8_K).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(byte* row, HeadActivations x, int blocks, KernelPath path) => path switch
    {
        KernelPath.Avx2 => DotAvx2(row, x.Quants, x.Steps, x.GroupSums, blocks, vnni: false),
        KernelPath.AvxVnni => DotAvx2(row, x.Quants, x.Steps, x.GroupSums, blocks, vnni: true),
        KernelPath.Avx512 => DotAvx512(row, x.Quants, x.Steps, x.GroupSums, blocks),
        _ => DotScalar(row, x.Quants, x.Steps, blocks),
    };

    /// <summary>The reference: the dequantization formula of ggml's <c>dequantize_row_q6_K</c> times the Q8_K values.</summary>
    public static float DotScalar(byte* row, sbyte* q, float* steps, int blocks)
    {
        var sum = 0f;
        for (var b = 0; b < blocks; b++)
        {
            var block = row + b * BlockBytes;
            var a = q + b * BlockElements;
            var sumi = 0;
            for (var half = 0; half < 2; half++)
            {
                var ql = block + 64 * half;
                var qh = block + HighBitsOffset + 32 * half;
                var sc = (sbyte*)(block + ScalesOffset) + 8 * half;
                var x = a + 128 * half;
                for (var l = 0; l < 32; l++)
                {
                    var g = l / 16;
                    var q1 = ((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4) - 32;
                    var q2 = ((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32;
                    var q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
                    var q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
                    sumi += sc[g] * q1 * x[l] + sc[g + 2] * q2 * x[l + 32] + sc[g + 4] * q3 * x[l + 64] + sc[g + 6] * q4 * x[l + 96];
                }
            }
            sum += HalfBits.ToSingle(*(ushort*)(block + StepOffset)) * steps[b] * sumi;
        }
        return sum;
    }

    // Byte shuffles that spread a dword (s[2p], s[2p+1]) to s[2p] on the low 128-bit lane and s[2p+1] on the high one.
    private static readonly Vector256<byte> s_scalePairShuffle = Vector256.Create(
        (byte)0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotAvx2(byte* row, sbyte* q, float* steps, short* groupSums, int blocks, bool vnni)
    {
        var low4 = Vector256.Create((byte)0x0F);
        var bits45 = Vector256.Create((byte)0x30);
        var shuffle = s_scalePairShuffle;
        Vector256<float> total = default;
        for (var b = 0; b < blocks; b++)
        {
            var block = row + b * BlockBytes;
            var a = q + b * BlockElements;
            var scales = Avx2.ConvertToVector256Int16(Vector128.Load((sbyte*)(block + ScalesOffset)));
            // Start from −32 · Σ_g s_g · Σq_g: the codes are multiplied unsigned below.
            var acc = Vector256<int>.Zero - Avx2.ShiftLeftLogical(Avx2.MultiplyAddAdjacent(scales, Vector256.Load(groupSums + 16 * b)), 5);
            for (var half = 0; half < 2; half++)
            {
                var l0 = Vector256.Load(block + 64 * half);
                var l1 = Vector256.Load(block + 64 * half + 32);
                var h = Vector256.Load(block + HighBitsOffset + 32 * half).AsUInt16();
                // Each code's two high bits moved to bits 4–5 with 16-bit shifts; the mask drops what crossed a byte.
                var u1 = (l0 & low4) | (Avx2.ShiftLeftLogical(h, 4).AsByte() & bits45);
                var u2 = (l1 & low4) | (Avx2.ShiftLeftLogical(h, 2).AsByte() & bits45);
                var u3 = (Avx2.ShiftRightLogical(l0.AsUInt16(), 4).AsByte() & low4) | (h.AsByte() & bits45);
                var u4 = (Avx2.ShiftRightLogical(l1.AsUInt16(), 4).AsByte() & low4) | (Avx2.ShiftRightLogical(h, 2).AsByte() & bits45);
                var x = a + 128 * half;
                acc = Accumulate(acc, Avx2.MultiplyAddAdjacent(u1, Vector256.Load(x)), ScalePair(scales, 4 * half, shuffle), vnni);
                acc = Accumulate(acc, Avx2.MultiplyAddAdjacent(u2, Vector256.Load(x + 32)), ScalePair(scales, 4 * half + 1, shuffle), vnni);
                acc = Accumulate(acc, Avx2.MultiplyAddAdjacent(u3, Vector256.Load(x + 64)), ScalePair(scales, 4 * half + 2, shuffle), vnni);
                acc = Accumulate(acc, Avx2.MultiplyAddAdjacent(u4, Vector256.Load(x + 96)), ScalePair(scales, 4 * half + 3, shuffle), vnni);
            }
            total = Fma.MultiplyAdd(Avx.ConvertToVector256Single(acc), Vector256.Create(HalfBits.ToSingle(*(ushort*)(block + StepOffset)) * steps[b]), total);
        }
        return Vector256.Sum(total);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Accumulate(Vector256<int> acc, Vector256<short> products, Vector256<short> scales, bool vnni) =>
        vnni ? AvxVnni.MultiplyWideningAndAdd(acc, products, scales) : acc + Avx2.MultiplyAddAdjacent(products, scales);

    /// <summary>int16 lanes 0–7 = s[2p], lanes 8–15 = s[2p+1]: the scales of the two 16-value groups of one 32-byte load.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> ScalePair(Vector256<short> scales, int p, Vector256<byte> shuffle) =>
        Avx2.Shuffle(Avx2.PermuteVar8x32(scales.AsInt32(), Vector256.Create(p)).AsByte(), shuffle).AsInt16();

    // Per 128-bit lane i of a 512-bit product: the group 4k + i.
    private static readonly Vector512<short> s_groupIndex0 = GroupIndex(0), s_groupIndex1 = GroupIndex(4), s_groupIndex2 = GroupIndex(8), s_groupIndex3 = GroupIndex(12);

    private static Vector512<short> GroupIndex(int first)
    {
        Span<short> lanes = stackalloc short[32];
        for (var i = 0; i < 32; i++) lanes[i] = (short)(first + i / 8);
        return Vector512.Create<short>(lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotAvx512(byte* row, sbyte* q, float* steps, short* groupSums, int blocks)
    {
        var low4 = Vector512.Create((byte)0x0F);
        var bits45 = Vector512.Create((byte)0x30);
        // Values 0–31 of a half take qh bits 0–1 (shift left 4), values 32–63 bits 2–3 (shift left 2); values 64–95
        // bits 4–5 (no shift), 96–127 bits 6–7 (shift right 2).
        var shiftFirst = Vector512.Create(Vector256.Create((ushort)4), Vector256.Create((ushort)2));
        var shiftSecond = Vector512.Create(Vector256<ushort>.Zero, Vector256.Create((ushort)2));
        var index0 = s_groupIndex0; var index1 = s_groupIndex1; var index2 = s_groupIndex2; var index3 = s_groupIndex3;
        Vector512<float> total = default;
        for (var b = 0; b < blocks; b++)
        {
            var block = row + b * BlockBytes;
            var a = q + b * BlockElements;
            // Broadcasts/inserts rather than Vector512.Create(v, v), which the JIT lowers through a stack slot (a store and
            // reload per block), and two accumulators: cache-resident rows measured 5.4–6.0 ms per 2B4T head instead of
            // 5.8–13.5 (docs/benchmarks.md, "Q6_K head kernel, session 3").
            var scales = Avx512BW.ConvertToVector512Int16(Avx2.BroadcastVector128ToVector256((sbyte*)(block + ScalesOffset)));
            // The upper half of the widened group sums is zero, so only the lower copy of the scales contributes.
            var first = Vector512<int>.Zero - Avx512BW.ShiftLeftLogical(Avx512BW.MultiplyAddAdjacent(scales, Vector256.Load(groupSums + 16 * b).ToVector512()), 5);

            var l = Vector512.Load(block);
            var h = Broadcast(Vector256.Load(block + HighBitsOffset).AsUInt16());
            var ua = (l & low4) | (Avx512BW.ShiftLeftLogicalVariable(h, shiftFirst).AsByte() & bits45);
            var ub = (Avx512BW.ShiftRightLogical(l.AsUInt16(), 4).AsByte() & low4) | (Avx512BW.ShiftRightLogicalVariable(h, shiftSecond).AsByte() & bits45);
            first += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(ua, Vector512.Load(a)), Avx512BW.PermuteVar32x16(scales, index0));
            var second = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(ub, Vector512.Load(a + 64)), Avx512BW.PermuteVar32x16(scales, index1));

            l = Vector512.Load(block + 64);
            h = Broadcast(Vector256.Load(block + HighBitsOffset + 32).AsUInt16());
            ua = (l & low4) | (Avx512BW.ShiftLeftLogicalVariable(h, shiftFirst).AsByte() & bits45);
            ub = (Avx512BW.ShiftRightLogical(l.AsUInt16(), 4).AsByte() & low4) | (Avx512BW.ShiftRightLogicalVariable(h, shiftSecond).AsByte() & bits45);
            first += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(ua, Vector512.Load(a + 128)), Avx512BW.PermuteVar32x16(scales, index2));
            second += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(ub, Vector512.Load(a + 192)), Avx512BW.PermuteVar32x16(scales, index3));
            var acc = first + second;

            total = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(acc), Vector512.Create(HalfBits.ToSingle(*(ushort*)(block + StepOffset)) * steps[b]), total);
        }
        return Vector512.Sum(total);
    }

    /// <summary>Both 256-bit halves = <paramref name="half"/>, in one <c>vinserti32x8</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ushort> Broadcast(Vector256<ushort> half) => Avx512F.InsertVector256(half.ToVector512Unsafe(), half, 1);
}
