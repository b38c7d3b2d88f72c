using BitNet.Runtime.Kernels.Attention;
using BitNet.Runtime.Kernels.Ternary;
using BitNet.Runtime.KvCache;
using BitNet.Runtime.Model;
using BitNet.Runtime.Tests.Kernels;
using BitNet.Runtime.Threading;

namespace BitNet.Runtime.Tests.Model;

/// <summary>
/// Attention with 2B4T's head layout (128-wide heads, four per KV head), which the shipped model (groups of two) cannot
/// exercise: on an F32 cache the decode job's split by KV head gives every head exactly what
/// <see cref="AttentionJob.AttendHead"/> gives it; on compact caches the grouped segment kernel equals a softmax over
/// the widened rows, and batched prefill equals decode bit for bit.
/// </summary>
public sealed unsafe class AttentionJobTests
{
    private const int HeadDim = 128, Heads = 12, KvHeads = 3;

    public static TheoryData<KvCacheType> CompactTypes =>
        new() { KvCacheType.F16, KvCacheType.BF16, KvCacheType.Fp8E4M3, KvCacheType.Fp8E5M2, KvCacheType.Int8, KvCacheType.Int4 };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void GroupedDecode_IsBitIdenticalToAttendHeadPerHead(int threads)
    {
        if (!F32HeadAttention.IsSupported(128)) return; // the grouped kernels need AVX-512
        const int headDim = HeadDim, heads = Heads, capacity = 320;
        var config = Config(capacity);
        Assert.True(AttentionJob.CanAttendGroupOfFour(config));
        int d = config.EmbeddingLength, kvDim = config.KvDimension;
        var random = new Random(threads);
        using var pool = new WorkerPool(threads);
        var cache = new KvCache.KvCache(config.BlockCount, capacity, kvDim);
        using var state = new ForwardState(config, capacity, TernaryKernels.Best);
        const int layer = 1;
        var scale = 1f / MathF.Sqrt(headDim);
        for (var position = 0; position < 300; position++)
        {
            cache.Store(layer, position, RandomVector(random, kvDim), RandomVector(random, kvDim));
            if (position is not (0 or 14 or 15 or 16 or 63 or 299)) continue;
            RandomVector(random, d).CopyTo(state.Query, 0);
            state.AttentionJob.Run(pool, config, cache, state, layer, position);

            var count = position + 1;
            for (var h = 0; h < heads; h++)
            {
                var expected = new float[headDim];
                AttentionJob.AttendHead(state.Query.AsSpan(h * headDim, headDim), cache.Keys(layer, count), cache.Values(layer, count), count,
                                        h / 4 * headDim, kvDim, scale, new float[count], expected);
                for (var i = 0; i < headDim; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(state.Attention[h * headDim + i]),
                                $"position {position}, head {h}, element {i}: {state.Attention[h * headDim + i]} != {expected[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(CompactTypes))]
    public void GroupedCompactDecode_IsTheSoftmaxOverTheWidenedRows(KvCacheType type)
    {
        if (!AttentionJob.CanAttendGroupOfFour(Config(1))) return; // the grouped kernels need AVX-512
        const int capacity = 300, layer = 1;
        var config = Config(capacity);
        int d = config.EmbeddingLength, kvDim = config.KvDimension;
        var random = new Random((int)type);
        using var pool = new WorkerPool(2);
        var cache = new KvCache.KvCache(config.BlockCount, capacity, kvDim, HeadDim, type);
        using var state = new ForwardState(config, capacity, TernaryKernels.Best);
        var scale = 1.0 / Math.Sqrt(HeadDim);
        for (var position = 0; position < capacity; position++)
        {
            cache.Store(layer, position, RandomVector(random, kvDim), RandomVector(random, kvDim));
            // Around the 16-row blocks and the 128-position segments.
            if (position is not (0 or 15 or 16 or 127 or 128 or 129 or 299)) continue;
            RandomVector(random, d).CopyTo(state.Query, 0);
            state.AttentionJob.Run(pool, config, cache, state, layer, position);

            var count = position + 1;
            var view = cache.Layer(layer);
            for (var h = 0; h < Heads; h++)
            {
                var kvHead = h / 4;
                var scores = new double[count];
                for (var t = 0; t < count; t++)
                {
                    var key = KvAttentionKernelTests.Dequantize(type, view, t, kvHead, KvHeads, HeadDim, keys: true);
                    for (var i = 0; i < HeadDim; i++) scores[t] += state.Query[h * HeadDim + i] * key[i];
                    scores[t] *= scale;
                }
                var max = scores.Max();
                var weights = scores.Select(x => Math.Exp(x - max)).ToArray();
                var total = weights.Sum();
                var expected = new double[HeadDim];
                for (var t = 0; t < count; t++)
                {
                    var value = KvAttentionKernelTests.Dequantize(type, view, t, kvHead, KvHeads, HeadDim, keys: false);
                    for (var i = 0; i < HeadDim; i++) expected[i] += weights[t] / total * value[i];
                }
                for (var i = 0; i < HeadDim; i++)
                    Assert.True(Math.Abs(expected[i] - state.Attention[h * HeadDim + i]) <= 1e-4,
                                $"{type}, position {position}, head {h}, element {i}: {state.Attention[h * HeadDim + i]} vs {expected[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(CompactTypes))]
    [InlineData(KvCacheType.F32)]
    public void GroupedPrefill_IsBitIdenticalToDecode(KvCacheType type)
    {
        if (!AttentionJob.CanAttendGroupOfFour(Config(1))) return; // the grouped kernels need AVX-512
        const int capacity = 200, layer = 0, first = 120, tokens = 40;
        var config = Config(capacity);
        int d = config.EmbeddingLength, kvDim = config.KvDimension;
        var random = new Random(11);
        using var pool = new WorkerPool(2);
        var cache = new KvCache.KvCache(config.BlockCount, capacity, kvDim, HeadDim, type);
        for (var position = 0; position < first + tokens; position++)
            cache.Store(layer, position, RandomVector(random, kvDim), RandomVector(random, kvDim));
        using var batch = new PrefillState(config, capacity, TernaryKernels.Best, lookupTables: false);
        var queries = RandomVector(random, tokens * d);
        queries.CopyTo(batch.Query, 0);
        batch.Attend.Run(pool, config, cache, batch, layer, first, tokens);

        using var state = new ForwardState(config, capacity, TernaryKernels.Best);
        for (var i = 0; i < tokens; i++)
        {
            queries.AsSpan(i * d, d).CopyTo(state.Query);
            state.AttentionJob.Run(pool, config, cache, state, layer, first + i);
            for (var k = 0; k < d; k++)
                Assert.True(BitConverter.SingleToInt32Bits(state.Attention[k]) == BitConverter.SingleToInt32Bits(batch.Attention[i * d + k]),
                            $"{type}, token {i}, element {k}: prefill {batch.Attention[i * d + k]} vs decode {state.Attention[k]}");
        }
    }

    private static BitNetConfig Config(int contextLength) => new()
    {
        Architecture = "bitnet-25", VocabularySize = 16, EmbeddingLength = Heads * HeadDim, BlockCount = 2, HeadCount = Heads,
        KvHeadCount = KvHeads, FeedForwardLength = 256, ContextLength = contextLength, RopeTheta = 500_000f, RmsNormEpsilon = 1e-5f,
        Activation = FeedForwardActivation.ReluSquared,
    };

    private static float[] RandomVector(Random random, int length)
    {
        var x = new float[length];
        for (var i = 0; i < length; i++) x[i] = (float)(random.NextDouble() * 2 - 1) * 3;
        return x;
    }
}
