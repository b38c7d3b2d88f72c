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
/// ~32 ms decoded token. Here several positions' dot products run interleaved (independent add chains), blocks of 16
/// positions share their horizontal sums (<see cref="ScoresOfFour"/>), and the weighted sum stays in eight registers
/// instead of memory.</para>
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

    // Positions whose scores are reduced together (one lane each of a 16-float vector).
    private const int ScoreBlock = 16;

    /// <summary>Whether these kernels reproduce the library's results for heads of <paramref name="headDimension"/> on this CPU.</summary>
    public static bool IsSupported(int headDimension) => headDimension == HeadDimension && Vector512.IsHardwareAccelerated;

    /// <summary>scores[t] = (q · k_t) · scale for t &lt; <paramref name="count"/>, k_t at <paramref name="keys"/> + t · <paramref name="stride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores(float* q, float* keys, int count, int stride, float scale, float* scores)
    {
        var t = 0;
        if (count >= ScoreBlock)
        {
            // Blocks of 16 positions reduced together, as in ScoresOfFour.
            var pairs = stackalloc Vector512<float>[ScoreBlock / 2];
            var scales = Vector512.Create(scale);
            for (; t + ScoreBlock <= count; t += ScoreBlock)
            {
                for (var m = 0; m < ScoreBlock / 4; m++)
                {
                    var u = t + 4 * m;
                    PrefetchRows(keys, stride, u + PrefetchDistance, Math.Min(count, u + PrefetchDistance + 4));
                    FourRows(q, keys + (long)u * stride, stride, out var a0, out var a1, out var a2, out var a3);
                    pairs[2 * m] = Merge(a0, a1);
                    pairs[2 * m + 1] = Merge(a2, a3);
                }
                (Reduce(pairs) * scales).Store(scores + t);
            }
        }
        for (; t + 4 <= count; t += 4)
        {
            PrefetchRows(keys, stride, t + PrefetchDistance, Math.Min(count, t + PrefetchDistance + 4));
            FourRows(q, keys + (long)t * stride, stride, out var a0, out var a1, out var a2, out var a3);
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
    /// (a layer's keys soon outgrow L2). Each score is exactly <see cref="Scores"/>'s, so the results are bit-identical.
    /// </summary>
    /// <remarks>
    /// Positions go in blocks of <see cref="ScoreBlock"/>: instead of one horizontal sum per position and head (a chain of
    /// narrowing shuffles and adds that cost as much as the 16 multiplies and adds before it), the block's 16 lane
    /// vectors of a head are reduced together by <see cref="Merge"/> steps, 15 per block. <c>Vector512.Sum</c> adds
    /// adjacent lanes pairwise ((x0 + x1) + (x2 + x3), then quarters, then halves); every merge step adds the same pairs,
    /// so each lane of the result is that position's <c>Vector512.Sum</c>, bit for bit, and the block's scores come out
    /// in position order.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScoresOfFour(float* q0, float* q1, float* q2, float* q3, float* keys, int count, int stride, float scale,
                                    float* s0, float* s1, float* s2, float* s3)
    {
        var t = 0;
        if (count >= ScoreBlock)
        {
            // Per head, the block's eight position pairs after the first merge step.
            var pairs = stackalloc Vector512<float>[4 * ScoreBlock / 2];
            var scales = Vector512.Create(scale);
            for (; t + ScoreBlock <= count; t += ScoreBlock)
            {
                for (var m = 0; m < ScoreBlock / 2; m++)
                {
                    var u = t + 2 * m;
                    PrefetchRows(keys, stride, u + PrefetchDistance, Math.Min(count, u + PrefetchDistance + 2));
                    PairOfFour(q0, q1, q2, q3, keys + (long)u * stride, stride, pairs + m);
                }
                (Reduce(pairs) * scales).Store(s0 + t);
                (Reduce(pairs + ScoreBlock / 2) * scales).Store(s1 + t);
                (Reduce(pairs + ScoreBlock) * scales).Store(s2 + t);
                (Reduce(pairs + 3 * ScoreBlock / 2) * scales).Store(s3 + t);
            }
        }
        for (; t < count; t++)
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

    /// <summary>
    /// The lane products of two consecutive key rows (at <paramref name="k0"/> and one stride on) with four queries,
    /// accumulated as <see cref="Scores"/> accumulates them, each head's pair merged once: pairs[h · 8].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairOfFour(float* q0, float* q1, float* q2, float* q3, float* k0, int stride, Vector512<float>* pairs)
    {
        var k1 = k0 + stride;
        Vector512<float> x = Vector512.Load(k0), y = Vector512.Load(k1), q = Vector512.Load(q0);
        Vector512<float> a0 = Vector512<float>.Zero + q * x, b0 = Vector512<float>.Zero + q * y;
        q = Vector512.Load(q1);
        Vector512<float> a1 = Vector512<float>.Zero + q * x, b1 = Vector512<float>.Zero + q * y;
        q = Vector512.Load(q2);
        Vector512<float> a2 = Vector512<float>.Zero + q * x, b2 = Vector512<float>.Zero + q * y;
        q = Vector512.Load(q3);
        Vector512<float> a3 = Vector512<float>.Zero + q * x, b3 = Vector512<float>.Zero + q * y;
        for (var i = 16; i < HeadDimension; i += 16)
        {
            x = Vector512.Load(k0 + i);
            y = Vector512.Load(k1 + i);
            q = Vector512.Load(q0 + i);
            a0 += q * x;
            b0 += q * y;
            q = Vector512.Load(q1 + i);
            a1 += q * x;
            b1 += q * y;
            q = Vector512.Load(q2 + i);
            a2 += q * x;
            b2 += q * y;
            q = Vector512.Load(q3 + i);
            a3 += q * x;
            b3 += q * y;
        }
        pairs[0] = Merge(a0, b0);
        pairs[ScoreBlock / 2] = Merge(a1, b1);
        pairs[ScoreBlock] = Merge(a2, b2);
        pairs[3 * ScoreBlock / 2] = Merge(a3, b3);
    }

    /// <summary>
    /// The 16 lane sums of one query's products with four consecutive key rows (<paramref name="k0"/> and one, two, three
    /// strides on), in <c>TensorPrimitives.Dot</c>'s order: the first product added to zero, then each in turn.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRows(float* q, float* k0, int stride, out Vector512<float> a0, out Vector512<float> a1, out Vector512<float> a2,
                                 out Vector512<float> a3)
    {
        var k1 = k0 + stride;
        var k2 = k1 + stride;
        var k3 = k2 + stride;
        var qv = Vector512.Load(q);
        a0 = Vector512<float>.Zero + qv * Vector512.Load(k0);
        a1 = Vector512<float>.Zero + qv * Vector512.Load(k1);
        a2 = Vector512<float>.Zero + qv * Vector512.Load(k2);
        a3 = Vector512<float>.Zero + qv * Vector512.Load(k3);
        for (var i = 16; i < HeadDimension; i += 16)
        {
            qv = Vector512.Load(q + i);
            a0 += qv * Vector512.Load(k0 + i);
            a1 += qv * Vector512.Load(k1 + i);
            a2 += qv * Vector512.Load(k2 + i);
            a3 += qv * Vector512.Load(k3 + i);
        }
    }

    /// <summary>The block's 16 sums from its eight merged pairs, in position order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reduce(Vector512<float>* pairs)
    {
        Vector512<float> e0 = Merge(pairs[0], pairs[1]), e1 = Merge(pairs[2], pairs[3]);
        Vector512<float> e2 = Merge(pairs[4], pairs[5]), e3 = Merge(pairs[6], pairs[7]);
        return MergeQuarters(MergeQuarters(e0, e1), MergeQuarters(e2, e3));
    }

    /// <summary>Within each 128-bit quarter: [a0 + a1, a2 + a3, b0 + b1, b2 + b3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Merge(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle(a, b, 0b10_00_10_00) + Avx512F.Shuffle(a, b, 0b11_01_11_01);

    /// <summary>The same on 128-bit quarters: [a.q0 + a.q1, a.q2 + a.q3, b.q0 + b.q1, b.q2 + b.q3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MergeQuarters(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle4x128(a, b, 0b10_00_10_00) + Avx512F.Shuffle4x128(a, b, 0b11_01_11_01);

    /// <summary>
    /// <see cref="WeightedSum"/> for two query heads of one KV group: every value row is loaded once for both. With
    /// <paramref name="accumulate"/>, the sums continue from the outputs' current values instead of zero (a compact
    /// cache's blocks, <see cref="CompactAttention"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightedSumOfTwo(float* values, int count, int stride, float* p0, float* p1, float* output0, float* output1, bool accumulate = false)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        if (accumulate)
        {
            Load(output0, out a0, out a1, out a2, out a3, out a4, out a5, out a6, out a7);
            Load(output1, out b0, out b1, out b2, out b3, out b4, out b5, out b6, out b7);
        }
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
    private static void Load(float* input, out Vector512<float> o0, out Vector512<float> o1, out Vector512<float> o2, out Vector512<float> o3,
                             out Vector512<float> o4, out Vector512<float> o5, out Vector512<float> o6, out Vector512<float> o7)
    {
        o0 = Vector512.Load(input);
        o1 = Vector512.Load(input + 16);
        o2 = Vector512.Load(input + 32);
        o3 = Vector512.Load(input + 48);
        o4 = Vector512.Load(input + 64);
        o5 = Vector512.Load(input + 80);
        o6 = Vector512.Load(input + 96);
        o7 = Vector512.Load(input + 112);
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

    /// <summary>Brings rows [<paramref name="from"/>, <paramref name="to"/>), <paramref name="stride"/> floats apart, towards L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRows(float* rows, int stride, int from, int to)
    {
        for (var r = from; r < to; r++) PrefetchRow(rows + (long)r * stride);
    }

    /// <summary>Brings one 128-float row (eight cache lines) towards L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRow(float* row)
    {
        for (var line = 0; line < HeadDimension; line += 16) Sse.Prefetch0(row + line);
    }
}
