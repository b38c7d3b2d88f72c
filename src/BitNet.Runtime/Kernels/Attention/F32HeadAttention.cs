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
        Store(output, o0, o1, o2, o3, o4, o5, o6, o7);
    }

    /// <summary>
    /// <see cref="Scores"/> for the four query heads of one KV group at once: every key row is loaded once for all four
    /// (prompt prefill, where a layer's keys no longer fit in L2). Each score is computed with exactly the operations of
    /// <see cref="Scores"/>, so the results are bit-identical.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScoresOfFour(float* q0, float* q1, float* q2, float* q3, float* keys, int count, int stride, float scale,
                                    float* s0, float* s1, float* s2, float* s3)
    {
        for (var t = 0; t < count; t++)
        {
            if (t + PrefetchDistance < count) PrefetchRow(keys + (long)(t + PrefetchDistance) * stride);
            var k = keys + (long)t * stride;
            var kv = Vector512.Load(k);
            Vector512<float> a0 = Vector512<float>.Zero + Vector512.Load(q0) * kv, a1 = Vector512<float>.Zero + Vector512.Load(q1) * kv;
            Vector512<float> a2 = Vector512<float>.Zero + Vector512.Load(q2) * kv, a3 = Vector512<float>.Zero + Vector512.Load(q3) * kv;
            for (var i = 16; i < HeadDimension; i += 16)
            {
                kv = Vector512.Load(k + i);
                a0 += Vector512.Load(q0 + i) * kv;
                a1 += Vector512.Load(q1 + i) * kv;
                a2 += Vector512.Load(q2 + i) * kv;
                a3 += Vector512.Load(q3 + i) * kv;
            }
            s0[t] = Vector512.Sum(a0 + Vector512<float>.Zero) * scale;
            s1[t] = Vector512.Sum(a1 + Vector512<float>.Zero) * scale;
            s2[t] = Vector512.Sum(a2 + Vector512<float>.Zero) * scale;
            s3[t] = Vector512.Sum(a3 + Vector512<float>.Zero) * scale;
        }
    }

    /// <summary><see cref="WeightedSum"/> for two query heads of one KV group: every value row is loaded once for both.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightedSumOfTwo(float* values, int count, int stride, float* p0, float* p1, float* output0, float* output1)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        for (var t = 0; t < count; t++)
        {
            if (t + PrefetchDistance < count) PrefetchRow(values + (long)(t + PrefetchDistance) * stride);
            var v = values + (long)t * stride;
            // Written out: a helper taking the accumulators by reference measured 144 against 147 tok/s (pp512, 7
            // alternations, best of each), within the noise.
            Vector512<float> w = Vector512.Create(p0[t]), u = Vector512.Create(p1[t]);
            var x = Vector512.Load(v);
            a0 = x * w + a0;
            b0 = x * u + b0;
            x = Vector512.Load(v + 16);
            a1 = x * w + a1;
            b1 = x * u + b1;
            x = Vector512.Load(v + 32);
            a2 = x * w + a2;
            b2 = x * u + b2;
            x = Vector512.Load(v + 48);
            a3 = x * w + a3;
            b3 = x * u + b3;
            x = Vector512.Load(v + 64);
            a4 = x * w + a4;
            b4 = x * u + b4;
            x = Vector512.Load(v + 80);
            a5 = x * w + a5;
            b5 = x * u + b5;
            x = Vector512.Load(v + 96);
            a6 = x * w + a6;
            b6 = x * u + b6;
            x = Vector512.Load(v + 112);
            a7 = x * w + a7;
            b7 = x * u + b7;
        }
        Store(output0, a0, a1, a2, a3, a4, a5, a6, a7);
        Store(output1, b0, b1, b2, b3, b4, b5, b6, b7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* output, Vector512<float> o0, Vector512<float> o1, Vector512<float> o2, Vector512<float> o3,
                              Vector512<float> o4, Vector512<float> o5, Vector512<float> o6, Vector512<float> o7)
    {
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
