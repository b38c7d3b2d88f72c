using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Runtime.Kernels.Attention;

/// <summary>
/// The two per-position products of F32-cache attention for a 128-wide head — scores q·k and the weighted sum Σ p·v —
/// computing exactly what <c>TensorPrimitives.Dot</c> and <c>TensorPrimitives.MultiplyAdd</c> compute on AVX-512
/// (the same operations in the same order, so every result is bit-identical), without a library call per cached
/// position.
/// </summary>
/// <remarks>
/// <para>Why: at 2B4T's ~160 cached positions a head made 320 calls of ~12 ns each, and attention took ~1.2–4 ms of a
/// ~32 ms decoded token. Here four positions' dot products run interleaved (independent add chains) and the weighted
/// sum stays in eight registers instead of memory.</para>
/// <para>The cache rows come from DRAM (a layer's ~40 MB of weights streamed through since the last visit evicts
/// them) in 512-byte pieces 2,560 bytes apart — a stride the hardware prefetcher does not run ahead on — so each
/// loop prefetches the rows a few positions ahead; without it the head waited on one DRAM latency per position.</para>
/// <para>What is replicated: for 128 floats, <c>TensorPrimitives.Dot</c> (System.Numerics.Tensors 10, with
/// <c>Vector512</c> accelerated) forms the eight 16-float products and adds them in order to a zero vector, adds a zero
/// vector for the empty tail, then sums the lanes with <c>Vector512.Sum</c>; <c>MultiplyAdd(x, p, o, o)</c> is
/// o = x · p + o with two roundings. <c>F32HeadAttentionTests</c> checks both against the library bit for bit. Other
/// head sizes and CPUs keep the library calls.</para>
/// </remarks>
internal static unsafe class F32HeadAttention
{
    /// <summary>The head size the kernels handle.</summary>
    public const int HeadDimension = 128;

    // Positions between a row's prefetch and its use: a group of four positions ahead covers a DRAM latency.
    private const int PrefetchDistance = 4;

    /// <summary>Whether these kernels reproduce the library's results for heads of <paramref name="headDimension"/> on this CPU.</summary>
    public static bool IsSupported(int headDimension) => headDimension == HeadDimension && Vector512.IsHardwareAccelerated;

    /// <summary>scores[t] = (q · k_t) · scale for t &lt; <paramref name="count"/>, k_t at <paramref name="keys"/> + t · <paramref name="stride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores(float* q, float* keys, int count, int stride, float scale, float* scores)
    {
        var t = 0;
        for (; t + 4 <= count; t += 4)
        {
            for (var ahead = t + PrefetchDistance; ahead < Math.Min(count, t + PrefetchDistance + 4); ahead++)
                PrefetchRow(keys + (long)ahead * stride);
            var k0 = keys + (long)t * stride;
            var k1 = k0 + stride;
            var k2 = k1 + stride;
            var k3 = k2 + stride;
            var qv = Vector512.Load(q);
            Vector512<float> a0 = Vector512<float>.Zero + qv * Vector512.Load(k0), a1 = Vector512<float>.Zero + qv * Vector512.Load(k1);
            Vector512<float> a2 = Vector512<float>.Zero + qv * Vector512.Load(k2), a3 = Vector512<float>.Zero + qv * Vector512.Load(k3);
            for (var i = 16; i < HeadDimension; i += 16)
            {
                qv = Vector512.Load(q + i);
                a0 += qv * Vector512.Load(k0 + i);
                a1 += qv * Vector512.Load(k1 + i);
                a2 += qv * Vector512.Load(k2 + i);
                a3 += qv * Vector512.Load(k3 + i);
            }
            scores[t] = Vector512.Sum(a0 + Vector512<float>.Zero) * scale;
            scores[t + 1] = Vector512.Sum(a1 + Vector512<float>.Zero) * scale;
            scores[t + 2] = Vector512.Sum(a2 + Vector512<float>.Zero) * scale;
            scores[t + 3] = Vector512.Sum(a3 + Vector512<float>.Zero) * scale;
        }
        for (; t < count; t++)
        {
            var k = keys + (long)t * stride;
            var a = Vector512<float>.Zero + Vector512.Load(q) * Vector512.Load(k);
            for (var i = 16; i < HeadDimension; i += 16) a += Vector512.Load(q + i) * Vector512.Load(k + i);
            scores[t] = Vector512.Sum(a + Vector512<float>.Zero) * scale;
        }
    }

    /// <summary>output = Σ_t p[t] · v_t, accumulated in position order as o = v · p + o from zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightedSum(float* values, int count, int stride, float* p, float* output)
    {
        Vector512<float> o0 = default, o1 = default, o2 = default, o3 = default, o4 = default, o5 = default, o6 = default, o7 = default;
        for (var t = 0; t < count; t++)
        {
            if (t + PrefetchDistance < count) PrefetchRow(values + (long)(t + PrefetchDistance) * stride);
            var v = values + (long)t * stride;
            var w = Vector512.Create(p[t]);
            o0 = Vector512.Load(v) * w + o0;
            o1 = Vector512.Load(v + 16) * w + o1;
            o2 = Vector512.Load(v + 32) * w + o2;
            o3 = Vector512.Load(v + 48) * w + o3;
            o4 = Vector512.Load(v + 64) * w + o4;
            o5 = Vector512.Load(v + 80) * w + o5;
            o6 = Vector512.Load(v + 96) * w + o6;
            o7 = Vector512.Load(v + 112) * w + o7;
        }
        o0.Store(output);
        o1.Store(output + 16);
        o2.Store(output + 32);
        o3.Store(output + 48);
        o4.Store(output + 64);
        o5.Store(output + 80);
        o6.Store(output + 96);
        o7.Store(output + 112);
    }

    /// <summary>Brings one 128-float row (eight cache lines) towards L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRow(float* row)
    {
        for (var line = 0; line < HeadDimension; line += 16) Sse.Prefetch0(row + line);
    }
}
