using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
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
}
