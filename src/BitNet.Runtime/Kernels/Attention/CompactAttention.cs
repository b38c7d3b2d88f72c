using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.KvCache;

namespace BitNet.Runtime.Kernels.Attention;

/// <summary>
/// Attention of one query head over a compact cache, flash-decoding style: the positions are cut into fixed segments
/// of <see cref="SegmentLength"/>, each segment is reduced with an online softmax over blocks of scores to a partial
/// result (max, Σ exp, unnormalized Σ p·v), and the partials are merged in order. Segments are independent, so decode
/// can spread one head's segments over threads; the cut depends only on the position count, so the decode and prefill
/// paths (which run the same two functions) agree bit for bit.
/// </summary>
internal static unsafe class CompactAttention
{
    /// <summary>Positions per partial result: enough to amortize a merge, few enough to split long contexts over threads.</summary>
    public const int SegmentLength = 128;

    /// <summary>Scores per softmax update: a stack buffer that stays in L1.</summary>
    private const int BlockLength = 32;

    /// <summary>Rows per block of <see cref="SegmentOfFour"/>: one 16-lane score vector per head.</summary>
    private const int GroupBlockLength = 16;

    // Rows between a code row's prefetch and its widening.
    private const int WidenPrefetchRows = 8;

    /// <summary>Floats of one partial result: max, sum, then the head's unnormalized output.</summary>
    public static int PartialLength(int headDimension) => headDimension + 2;

    /// <summary>Segments that cover <paramref name="count"/> positions.</summary>
    public static int Segments(int count) => (count + SegmentLength - 1) / SegmentLength;

    /// <summary>
    /// The partial result of query <paramref name="q"/> over positions [<paramref name="start"/>, <paramref name="end"/>)
    /// of KV head <paramref name="kvHead"/>, into <paramref name="partial"/> (<see cref="PartialLength"/> floats).
    /// </summary>
    public static void Segment(KvCacheType type, in KvLayerView layer, int kvHeads, int kvHead, int headDimension, float* q,
                               int start, int end, float scale, float* partial, KernelPath path)
    {
        switch (type)
        {
            case KvCacheType.F16: Segment<Float16KvFormat>(layer, kvHeads, kvHead, headDimension, q, start, end, scale, partial, path); break;
            case KvCacheType.BF16: Segment<BFloat16KvFormat>(layer, kvHeads, kvHead, headDimension, q, start, end, scale, partial, path); break;
            case KvCacheType.Fp8E4M3: Segment<Fp8E4M3KvFormat>(layer, kvHeads, kvHead, headDimension, q, start, end, scale, partial, path); break;
            case KvCacheType.Fp8E5M2: Segment<Fp8E5M2KvFormat>(layer, kvHeads, kvHead, headDimension, q, start, end, scale, partial, path); break;
            case KvCacheType.Int8: Segment<Int8KvFormat>(layer, kvHeads, kvHead, headDimension, q, start, end, scale, partial, path); break;
            case KvCacheType.Int4: Segment<Int4KvFormat>(layer, kvHeads, kvHead, headDimension, q, start, end, scale, partial, path); break;
            default: throw new NotSupportedException($"{type} is not a compact KV cache type.");
        }
    }

    /// <summary>
    /// <see cref="Segment"/> for the four query heads of KV head <paramref name="kvHead"/> (<paramref name="queries"/>: 4 ×
    /// 128 floats), whose partials lie <paramref name="partialStride"/> floats apart from <paramref name="partials"/>.
    /// </summary>
    /// <remarks>
    /// Why: the per-head segment widens every row once per query head and reduces each score with a call of its own; at
    /// 2B4T's four heads per KV head that cost ~5× the F32 cache's grouped attention. Here each block of
    /// <see cref="GroupBlockLength"/> rows is widened once into an L1 buffer (scaled formats: code × scale, per group)
    /// and the F32 kernels run on it for the four heads; the online softmax works on one 16-lane vector per head.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SegmentOfFour(KvCacheType type, in KvLayerView layer, int kvHeads, int kvHead, float* queries, int start, int end,
                                     float scale, float* partials, int partialStride)
    {
        const int d = F32HeadAttention.HeadDimension, block = GroupBlockLength;
        var keyRows = stackalloc float[block * d]; // one block's rows, widened (8 KB each)
        var valueRows = stackalloc float[block * d];
        var weights = stackalloc float[4 * block];
        Begin(partials, partialStride, out var max, out var sum);
        for (var first = start; first < end; first += block)
        {
            var n = Math.Min(block, end - first);
            WidenRows(type, layer, kvHeads, kvHead, first, n, keyRows, valueRows);
            BlockOfFour(keyRows, valueRows, n, queries, scale, weights, ref max, ref sum, partials, partialStride);
        }
        End(partials, partialStride, max, sum);
    }

    /// <summary>softmax-weighted Σ v from <paramref name="segments"/> partial results, into <paramref name="output"/>.</summary>
    public static void Merge(float* partials, int segments, int headDimension, float* output)
    {
        var stride = PartialLength(headDimension);
        var max = float.NegativeInfinity;
        for (var k = 0; k < segments; k++) max = MathF.Max(max, partials[k * stride]);
        var result = new Span<float>(output, headDimension);
        result.Clear();
        var total = 0f;
        for (var k = 0; k < segments; k++)
        {
            var partial = partials + k * stride;
            var weight = MathF.Exp(partial[0] - max);
            total += partial[1] * weight;
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(partial + 2, headDimension), weight, result, result);
        }
        TensorPrimitives.Multiply(result, 1f / total, result);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Segment<TFormat>(in KvLayerView layer, int kvHeads, int kvHead, int headDimension, float* q,
                                         int start, int end, float scale, float* partial, KernelPath path)
        where TFormat : struct, IKvElementFormat
    {
        int rowBytes = layer.RowBytes, rowScales = layer.RowScales;
        int headBytes = rowBytes / kvHeads, headScales = rowScales / kvHeads;
        byte* keys = layer.KeyCodes + kvHead * headBytes, values = layer.ValueCodes + kvHead * headBytes;
        float* keyScales = layer.KeyScales == null ? null : layer.KeyScales + kvHead * headScales;
        float* valueScales = layer.ValueScales == null ? null : layer.ValueScales + kvHead * headScales;
        var output = new Span<float>(partial + 2, headDimension);
        output.Clear();
        var max = float.NegativeInfinity;
        var sum = 0f;
        var scores = stackalloc float[BlockLength];
        for (var block = start; block < end; block += BlockLength)
        {
            var n = Math.Min(BlockLength, end - block);
            for (var t = 0; t < n; t++)
            {
                long p = block + t;
                scores[t] = KvRowKernels.Dot<TFormat>(q, keys + p * rowBytes, keyScales == null ? null : keyScales + p * rowScales, headDimension, path) * scale;
            }

            // Online softmax: when a block raises the running max, rescale what was summed so far to the new max.
            var blockScores = new Span<float>(scores, n);
            var blockMax = TensorPrimitives.Max(blockScores);
            if (blockMax > max)
            {
                if (sum != 0)
                {
                    var correction = MathF.Exp(max - blockMax);
                    sum *= correction;
                    TensorPrimitives.Multiply(output, correction, output);
                }
                max = blockMax;
            }
            TensorPrimitives.Subtract(blockScores, max, blockScores);
            TensorPrimitives.Exp(blockScores, blockScores);
            sum += TensorPrimitives.Sum(blockScores);
            for (var t = 0; t < n; t++)
            {
                long p = block + t;
                KvRowKernels.Accumulate<TFormat>(partial + 2, values + p * rowBytes, valueScales == null ? null : valueScales + p * rowScales, scores[t], headDimension, path);
            }
        }
        partial[0] = max;
        partial[1] = sum;
    }

    /// <summary>
    /// <see cref="SegmentOfFour"/> over <paramref name="count"/> positions whose rows <see cref="WidenRows"/> already
    /// widened (prompt prefill widens a segment once for several tokens). The blocks and every operation are the same, so
    /// the results are bit-identical.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WidenedSegmentOfFour(float* keyRows, float* valueRows, float* queries, int count, float scale, float* partials, int partialStride)
    {
        const int d = F32HeadAttention.HeadDimension, block = GroupBlockLength;
        var weights = stackalloc float[4 * block];
        Begin(partials, partialStride, out var max, out var sum);
        for (var first = 0; first < count; first += block)
            BlockOfFour(keyRows + first * d, valueRows + first * d, Math.Min(block, count - first), queries, scale, weights, ref max, ref sum,
                        partials, partialStride);
        End(partials, partialStride, max, sum);
    }

    /// <summary>Rows [first, first + n) of KV head <paramref name="kvHead"/>'s keys and values, widened to F32, 128 floats apart.</summary>
    public static void WidenRows(KvCacheType type, in KvLayerView layer, int kvHeads, int kvHead, int first, int n, float* keyRows, float* valueRows)
    {
        switch (type)
        {
            case KvCacheType.F16: WidenRows<Float16KvFormat>(layer, kvHeads, kvHead, first, n, keyRows, valueRows); break;
            case KvCacheType.BF16: WidenRows<BFloat16KvFormat>(layer, kvHeads, kvHead, first, n, keyRows, valueRows); break;
            case KvCacheType.Fp8E4M3: WidenRows<Fp8E4M3KvFormat>(layer, kvHeads, kvHead, first, n, keyRows, valueRows); break;
            case KvCacheType.Fp8E5M2: WidenRows<Fp8E5M2KvFormat>(layer, kvHeads, kvHead, first, n, keyRows, valueRows); break;
            case KvCacheType.Int8: WidenRows<Int8KvFormat>(layer, kvHeads, kvHead, first, n, keyRows, valueRows); break;
            case KvCacheType.Int4: WidenRows<Int4KvFormat>(layer, kvHeads, kvHead, first, n, keyRows, valueRows); break;
            default: throw new NotSupportedException($"{type} is not a compact KV cache type.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WidenRows<TFormat>(in KvLayerView layer, int kvHeads, int kvHead, int first, int n, float* keyRows, float* valueRows)
        where TFormat : struct, IKvElementFormat
    {
        int rowBytes = layer.RowBytes, rowScales = layer.RowScales;
        int headBytes = rowBytes / kvHeads, headScales = rowScales / kvHeads;
        Widen<TFormat>(layer.KeyCodes + kvHead * headBytes, layer.KeyScales == null ? null : layer.KeyScales + kvHead * headScales,
                       rowBytes, headBytes, rowScales, first, n, keyRows);
        Widen<TFormat>(layer.ValueCodes + kvHead * headBytes, layer.ValueScales == null ? null : layer.ValueScales + kvHead * headScales,
                       rowBytes, headBytes, rowScales, first, n, valueRows);
    }

    /// <summary>Clears the four heads' outputs; running maxima −∞ and sums 0 (lane h: head h).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Begin(float* partials, int partialStride, out Vector512<float> max, out Vector512<float> sum)
    {
        for (var h = 0; h < 4; h++) new Span<float>(partials + h * partialStride + 2, F32HeadAttention.HeadDimension).Clear();
        max = Vector512.Create(float.NegativeInfinity);
        sum = Vector512<float>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void End(float* partials, int partialStride, Vector512<float> max, Vector512<float> sum)
    {
        for (var h = 0; h < 4; h++)
        {
            partials[h * partialStride] = max[h];
            partials[h * partialStride + 1] = sum[h];
        }
    }

    /// <summary>One block of up to 16 widened rows for the four heads: scores, the online softmax's update, the weighted sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BlockOfFour(float* keyRows, float* valueRows, int n, float* queries, float scale, float* weights,
                                    ref Vector512<float> max, ref Vector512<float> sum, float* partials, int partialStride)
    {
        const int d = F32HeadAttention.HeadDimension, block = GroupBlockLength;
        F32HeadAttention.ScoresOfFour(queries, queries + d, queries + 2 * d, queries + 3 * d, keyRows, n, d, scale,
                                      weights, weights + block, weights + 2 * block, weights + 3 * block);
        for (var h = 0; h < 4; h++)
        {
            var w = weights + h * block;
            for (var t = n; t < block; t++) w[t] = float.NegativeInfinity; // past the segment: weight 0
            var scores = Vector512.Load(w);
            float headMax = max[h], blockMax = MaxOf(scores), headSum = sum[h];
            // Online softmax: when a block raises the running max, rescale what was summed so far to the new max.
            if (blockMax > headMax)
            {
                if (headSum != 0)
                {
                    var correction = MathF.Exp(headMax - blockMax);
                    headSum *= correction;
                    TensorPrimitives.Multiply(new ReadOnlySpan<float>(partials + h * partialStride + 2, d), correction,
                                              new Span<float>(partials + h * partialStride + 2, d));
                }
                headMax = blockMax;
            }
            var p = Vector512.Exp(scores - Vector512.Create(headMax));
            p.Store(w);
            max = max.WithElement(h, headMax);
            sum = sum.WithElement(h, headSum + Vector512.Sum(p));
        }
        F32HeadAttention.WeightedSumOfTwo(valueRows, n, d, weights, weights + block, partials + 2, partials + partialStride + 2, accumulate: true);
        F32HeadAttention.WeightedSumOfTwo(valueRows, n, d, weights + 2 * block, weights + 3 * block, partials + 2 * partialStride + 2,
                                          partials + 3 * partialStride + 2, accumulate: true);
    }

    /// <summary>
    /// Rows [first, first + n) of one KV head (<paramref name="headBytes"/> of codes each, <paramref name="rowBytes"/>
    /// apart), widened to F32 (scaled formats: code × the group's scale), 128 floats apart.
    /// </summary>
    /// <remarks>
    /// Each row is prefetched <see cref="WidenPrefetchRows"/> rows ahead: a head's codes are a few cache lines a whole
    /// position's row apart, a stride the hardware prefetcher does not follow, and without it decode at 1,500 positions
    /// spent half its time here waiting on DRAM.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen<TFormat>(byte* codes, float* scales, int rowBytes, int headBytes, int rowScales, int first, int n, float* rows)
        where TFormat : struct, IKvElementFormat
    {
        const int d = F32HeadAttention.HeadDimension;
        var group = TFormat.GroupLength(d);
        for (var r = 0; r < n; r++)
        {
            long p = first + r;
            var row = codes + p * rowBytes;
            // Prefetches never fault, so rows past the cache's end need no check.
            var ahead = row + WidenPrefetchRows * (long)rowBytes;
            for (var line = 0; line < headBytes; line += 64) Sse.Prefetch0(ahead + line);
            var output = rows + r * d;
            if (group == 0)
            {
                for (var i = 0; i < d; i += 16) TFormat.Decode16(row, i).Store(output + i);
                continue;
            }
            var rowScale = scales + p * rowScales;
            for (var i = 0; i < d; i += 16) (TFormat.Decode16(row, i) * Vector512.Create(rowScale[i / group])).Store(output + i);
        }
    }

    /// <summary>The largest lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxOf(Vector512<float> v)
    {
        var m = Vector256.Max(v.GetLower(), v.GetUpper());
        var q = Vector128.Max(m.GetLower(), m.GetUpper());
        q = Vector128.Max(q, Vector128.Shuffle(q, Vector128.Create(2, 3, 0, 1)));
        return MathF.Max(q[0], q[1]);
    }
}
