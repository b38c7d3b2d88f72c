using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.Kernels.Float16;

namespace BitNet.Runtime.Kernels.Quantized;

/// <summary>
/// Dot product of one Q8_0 weight row (ggml blocks of 34 bytes: F16 step d, then 32 int8) with Q8_0 activations:
/// Σ_b d_w,b · d_x,b · Σ_j w_j · q_j, as ggml's <c>vec_dot_q8_0_q8_0</c> — an exact integer sum per block, scaled in float.
/// </summary>
/// <remarks>
/// The SIMD paths use the sign trick: <c>vpmaddubsw</c> / <c>vpdpbusd</c> take unsigned × signed bytes, so the weight's
/// magnitude |w| multiplies the activation with the weight's sign moved onto it; |w| ≤ 128 and |q| ≤ 127 keep the
/// int16 pair sums below 32,768.
/// </remarks>
internal static unsafe class Q8_0Dot
{
    /// <summary>Bytes per block.</summary>
    public const int BlockBytes = 34;

    /// <summary>Weights per block.</summary>
    public const int BlockElements = 32;

    /// <summary>The paths this class implements, in the order tried when none is forced (measured, docs/benchmarks.md:
    /// 2B4T decode with a Q8_0 head, best of 3 on Zen 5: AVX2 46.0 tok/s, AVX-512 44.1 — within noise; AVX2 kept).</summary>
    public static IReadOnlyList<KernelPath> Paths { get; } = [KernelPath.Avx2, KernelPath.Avx512, KernelPath.AvxVnni, KernelPath.Scalar];

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

    /// <summary>The dot of the row at <paramref name="row"/> (<paramref name="blocks"/> blocks) with <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(byte* row, HeadActivations x, int blocks, KernelPath path) => path switch
    {
        KernelPath.Avx2 => DotAvx2(row, x.Quants, x.Steps, blocks),
        KernelPath.Avx512 => DotAvx512(row, x.Quants, x.Steps, blocks),
        KernelPath.AvxVnni => DotAvxVnni(row, x.Quants, x.Steps, blocks),
        _ => DotScalar(row, x.Quants, x.Steps, blocks),
    };

    /// <summary>The reference: ggml's generic <c>ggml_vec_dot_q8_0_q8_0</c> formula.</summary>
    public static float DotScalar(byte* row, sbyte* q, float* steps, int blocks)
    {
        var sum = 0f;
        for (var b = 0; b < blocks; b++)
        {
            var block = row + b * BlockBytes;
            var w = (sbyte*)(block + 2);
            var a = q + b * BlockElements;
            var sumi = 0;
            for (var j = 0; j < BlockElements; j++) sumi += w[j] * a[j];
            sum += sumi * (HalfBits.ToSingle(*(ushort*)block) * steps[b]);
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotAvx2(byte* row, sbyte* q, float* steps, int blocks)
    {
        var ones = Vector256.Create((short)1);
        Vector256<float> acc0 = default, acc1 = default;
        var b = 0;
        // Two accumulators, so consecutive blocks' FMAs do not wait on each other.
        for (; b + 2 <= blocks; b += 2)
        {
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockSumAvx2(row + b * BlockBytes, q + b * BlockElements, ones)), Vector256.Create(Step(row, steps, b)), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockSumAvx2(row + (b + 1) * BlockBytes, q + (b + 1) * BlockElements, ones)), Vector256.Create(Step(row, steps, b + 1)), acc1);
        }
        if (b < blocks)
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockSumAvx2(row + b * BlockBytes, q + b * BlockElements, ones)), Vector256.Create(Step(row, steps, b)), acc0);
        return Vector256.Sum(acc0 + acc1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotAvxVnni(byte* row, sbyte* q, float* steps, int blocks)
    {
        Vector256<float> acc0 = default, acc1 = default;
        var b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockSumVnni(row + b * BlockBytes, q + b * BlockElements)), Vector256.Create(Step(row, steps, b)), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockSumVnni(row + (b + 1) * BlockBytes, q + (b + 1) * BlockElements)), Vector256.Create(Step(row, steps, b + 1)), acc1);
        }
        if (b < blocks)
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockSumVnni(row + b * BlockBytes, q + b * BlockElements)), Vector256.Create(Step(row, steps, b)), acc0);
        return Vector256.Sum(acc0 + acc1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotAvx512(byte* row, sbyte* q, float* steps, int blocks)
    {
        var ones = Vector512.Create((short)1);
        Vector512<float> acc = default;
        var b = 0;
        // Two blocks per 512-bit register: the weights are 34 bytes apart, the activations contiguous.
        for (; b + 2 <= blocks; b += 2)
        {
            var block = row + b * BlockBytes;
            var w = Vector512.Create(Vector256.Load((sbyte*)(block + 2)), Vector256.Load((sbyte*)(block + BlockBytes + 2)));
            var a = Vector512.Load(q + b * BlockElements);
            // a with w's sign: (a ^ m) − m negates where m = −1 (w < 0); where w = 0, |w| = 0 cancels the product.
            var m = Vector512.LessThan(w, Vector512<sbyte>.Zero);
            var signed = (a ^ m) - m;
            var pairs = Avx512BW.MultiplyAddAdjacent(Avx512BW.Abs(w), signed);
            var sums = Avx512BW.MultiplyAddAdjacent(pairs, ones);
            var scale = Vector512.Create(Vector256.Create(Step(row, steps, b)), Vector256.Create(Step(row, steps, b + 1)));
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sums), scale, acc);
        }
        var sum = Vector512.Sum(acc);
        if (b < blocks) sum += DotScalar(row + b * BlockBytes, q + b * BlockElements, steps + b, 1);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Step(byte* row, float* steps, int b) => HalfBits.ToSingle(*(ushort*)(row + b * BlockBytes)) * steps[b];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> BlockSumAvx2(byte* block, sbyte* a, Vector256<short> ones)
    {
        var w = Vector256.Load((sbyte*)(block + 2));
        var pairs = Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(Vector256.Load(a), w));
        return Avx2.MultiplyAddAdjacent(pairs, ones);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> BlockSumVnni(byte* block, sbyte* a)
    {
        var w = Vector256.Load((sbyte*)(block + 2));
        return AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Avx2.Abs(w), Avx2.Sign(Vector256.Load(a), w));
    }
}
