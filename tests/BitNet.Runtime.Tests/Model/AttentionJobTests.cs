using BitNet.Runtime.Kernels.Attention;
using BitNet.Runtime.Kernels.Ternary;
using BitNet.Runtime.Model;
using BitNet.Runtime.Threading;

namespace BitNet.Runtime.Tests.Model;

/// <summary>
/// Decode attention on an F32 cache with 2B4T's head layout (128-wide heads, four per KV head), which the shipped model
/// (groups of two) cannot exercise: the job's split by KV head gives every head exactly what <see cref="AttentionJob.AttendHead"/> gives it.
/// </summary>
public sealed class AttentionJobTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void GroupedDecode_IsBitIdenticalToAttendHeadPerHead(int threads)
    {
        if (!F32HeadAttention.IsSupported(128)) return; // the grouped kernels need AVX-512
        const int headDim = 128, heads = 12, kvHeads = 3, capacity = 320;
        var config = new BitNetConfig
        {
            Architecture = "bitnet-25", VocabularySize = 16, EmbeddingLength = heads * headDim, BlockCount = 2, HeadCount = heads,
            KvHeadCount = kvHeads, FeedForwardLength = 256, ContextLength = capacity, RopeTheta = 500_000f, RmsNormEpsilon = 1e-5f,
            Activation = FeedForwardActivation.ReluSquared,
        };
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

    private static float[] RandomVector(Random random, int length)
    {
        var x = new float[length];
        for (var i = 0; i < length; i++) x[i] = (float)(random.NextDouble() * 2 - 1) * 3;
        return x;
    }
}
