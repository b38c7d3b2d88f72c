using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Runtime.Kernels.Attention;

/// <summary>
/// The two products attention takes with a compact cache row, with the dequantization fused in (codes are widened in
/// registers, never written out): q·k for a score and o += p·v for the output. Each has a plain scalar reference
/// (<see cref="KernelPath.Scalar"/>) and AVX2 / AVX-512 paths; scales are applied once per group.
/// </summary>
internal static unsafe class KvRowKernels
{
    /// <summary>The fastest path this CPU has.</summary>
    public static KernelPath DefaultPath { get; } =
        Avx512F.IsSupported ? KernelPath.Avx512 : Avx2.IsSupported && Fma.IsSupported ? KernelPath.Avx2 : KernelPath.Scalar;

    /// <summary>The paths this CPU can run, the scalar reference first.</summary>
    public static IReadOnlyList<KernelPath> Supported { get; } =
    [
        KernelPath.Scalar,
        .. Avx2.IsSupported && Fma.IsSupported ? [KernelPath.Avx2] : Array.Empty<KernelPath>(),
        .. Avx512F.IsSupported ? [KernelPath.Avx512] : Array.Empty<KernelPath>(),
    ];

    /// <summary>Σ q[i] · dequant(row)[i] over one head's row of <paramref name="length"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot<TFormat>(float* q, byte* codes, float* scales, int length, KernelPath path)
        where TFormat : struct, IKvElementFormat
    {
        var group = TFormat.GroupLength(length);
        if (group == 0) return DotRange<TFormat>(q, codes, 0, length, path);
        var total = 0f;
        for (int start = 0, g = 0; start < length; start += group, g++)
            total += DotRange<TFormat>(q + start, codes, start, Math.Min(group, length - start), path) * scales[g];
        return total;
    }

    /// <summary>output[i] += weight · dequant(row)[i] over one head's row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate<TFormat>(float* output, byte* codes, float* scales, float weight, int length, KernelPath path)
        where TFormat : struct, IKvElementFormat
    {
        var group = TFormat.GroupLength(length);
        if (group == 0)
        {
            AccumulateRange<TFormat>(output, codes, 0, length, weight, path);
            return;
        }
        for (int start = 0, g = 0; start < length; start += group, g++)
            AccumulateRange<TFormat>(output + start, codes, start, Math.Min(group, length - start), weight * scales[g], path);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotRange<TFormat>(float* q, byte* codes, int first, int count, KernelPath path)
        where TFormat : struct, IKvElementFormat
    {
        var i = 0;
        var sum = 0f;
        if (path == KernelPath.Avx512 && Avx512F.IsSupported)
        {
            Vector512<float> a0 = default, a1 = default;
            for (; i + 32 <= count; i += 32)
            {
                a0 = Avx512F.FusedMultiplyAdd(TFormat.Decode16(codes, first + i), Vector512.Load(q + i), a0);
                a1 = Avx512F.FusedMultiplyAdd(TFormat.Decode16(codes, first + i + 16), Vector512.Load(q + i + 16), a1);
            }
            if (i + 16 <= count)
            {
                a0 = Avx512F.FusedMultiplyAdd(TFormat.Decode16(codes, first + i), Vector512.Load(q + i), a0);
                i += 16;
            }
            sum = Vector512.Sum(a0 + a1);
        }
        else if (path == KernelPath.Avx2 && Avx2.IsSupported && Fma.IsSupported)
        {
            Vector256<float> a0 = default, a1 = default;
            for (; i + 16 <= count; i += 16)
            {
                a0 = Fma.MultiplyAdd(TFormat.Decode8(codes, first + i), Vector256.Load(q + i), a0);
                a1 = Fma.MultiplyAdd(TFormat.Decode8(codes, first + i + 8), Vector256.Load(q + i + 8), a1);
            }
            if (i + 8 <= count)
            {
                a0 = Fma.MultiplyAdd(TFormat.Decode8(codes, first + i), Vector256.Load(q + i), a0);
                i += 8;
            }
            sum = Vector256.Sum(a0 + a1);
        }
        // The scalar reference, and the tail of the vector paths.
        for (; i < count; i++) sum += TFormat.Decode(codes, first + i) * q[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateRange<TFormat>(float* output, byte* codes, int first, int count, float weight, KernelPath path)
        where TFormat : struct, IKvElementFormat
    {
        var i = 0;
        if (path == KernelPath.Avx512 && Avx512F.IsSupported)
        {
            var w = Vector512.Create(weight);
            for (; i + 16 <= count; i += 16)
                Avx512F.FusedMultiplyAdd(TFormat.Decode16(codes, first + i), w, Vector512.Load(output + i)).Store(output + i);
        }
        else if (path == KernelPath.Avx2 && Avx2.IsSupported && Fma.IsSupported)
        {
            var w = Vector256.Create(weight);
            for (; i + 8 <= count; i += 8)
                Fma.MultiplyAdd(TFormat.Decode8(codes, first + i), w, Vector256.Load(output + i)).Store(output + i);
        }
        for (; i < count; i++) output[i] += TFormat.Decode(codes, first + i) * weight;
    }
}
