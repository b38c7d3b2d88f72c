using System.Numerics.Tensors;
using BitNet.Runtime.Kernels.Attention;
using BitNet.Runtime.Model;

namespace BitNet.Runtime.Tests.Kernels;

/// <summary>
/// The F32-cache attention of one head is bit-identical to its formulation with System.Numerics.Tensors calls (the
/// reference below, which is what the engine computed before the AVX-512 kernels), for the kernels' head size and
/// another, at counts around the four-position interleave.
/// </summary>
public sealed class F32HeadAttentionTests
{
    [Theory]
    [InlineData(128)]
    [InlineData(64)]
    public void AttendHead_IsBitIdenticalToTheLibraryFormulation(int headDim)
    {
        const int kvHeads = 3;
        var kvDim = kvHeads * headDim;
        var random = new Random(headDim);
        foreach (var count in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 20, 32, 33, 160, 193 })
        foreach (var spread in new[] { 1f, 40f })
        {
            var q = RandomVector(random, headDim, spread);
            var keys = RandomVector(random, count * kvDim, 1f);
            var values = RandomVector(random, count * kvDim, 1f);
            var kvOffset = (count % kvHeads) * headDim;
            var scale = 1f / MathF.Sqrt(headDim);
            var scores = new float[count];
            var output = new float[headDim];
            AttentionJob.AttendHead(q, keys, values, count, kvOffset, kvDim, scale, scores, output);

            var expectedScores = new float[count];
            var expected = new float[headDim];
            Reference(q, keys, values, count, kvOffset, kvDim, scale, expectedScores, expected);
            for (var i = 0; i < headDim; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(output[i]),
                            $"head {headDim}, count {count}, spread {spread}, element {i}: {output[i]} != {expected[i]}");
        }
    }

    [Fact]
    public void AttendGroupOfFour_IsBitIdenticalToFourSingleHeads()
    {
        // Prompt prefill attends a KV group's four query heads together (each key and value row read once); every head's
        // output must equal, to the last bit, what AttendHead (decode) gives it.
        if (!F32HeadAttention.IsSupported(128)) return; // the kernels need AVX-512
        const int headDim = 128, kvHeads = 5, kvDim = kvHeads * headDim;
        var random = new Random(7);
        foreach (var count in new[] { 1, 2, 3, 4, 5, 7, 9, 15, 16, 17, 31, 32, 33, 160, 301 })
        foreach (var spread in new[] { 1f, 40f })
        {
            var queries = RandomVector(random, 4 * headDim, spread);
            var keys = RandomVector(random, count * kvDim, 1f);
            var values = RandomVector(random, count * kvDim, 1f);
            var kvOffset = (count % kvHeads) * headDim;
            var scale = 1f / MathF.Sqrt(headDim);
            var stride = count + 3;
            var outputs = new float[4 * headDim];
            AttentionJob.AttendGroupOfFour(queries, keys, values, count, kvOffset, kvDim, scale, new float[4 * stride], stride, outputs);
            for (var h = 0; h < 4; h++)
            {
                var expected = new float[headDim];
                AttentionJob.AttendHead(queries.AsSpan(h * headDim, headDim), keys, values, count, kvOffset, kvDim, scale, new float[count], expected);
                for (var i = 0; i < headDim; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(outputs[h * headDim + i]),
                                $"count {count}, spread {spread}, head {h}, element {i}: {outputs[h * headDim + i]} != {expected[i]}");
            }
        }
    }

    [Fact]
    public void IsSupported_OnlyForTheKernelHeadSize()
    {
        Assert.False(F32HeadAttention.IsSupported(64));
        Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, F32HeadAttention.IsSupported(128));
    }

    private static void Reference(float[] q, float[] keys, float[] values, int count, int kvOffset, int kvDim, float scale, float[] scores, float[] output)
    {
        var headDim = q.Length;
        for (var t = 0; t < count; t++)
            scores[t] = TensorPrimitives.Dot(q, keys.AsSpan(t * kvDim + kvOffset, headDim)) * scale;
        var max = TensorPrimitives.Max(scores);
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp(scores, scores);
        TensorPrimitives.Divide(scores, TensorPrimitives.Sum(scores), scores);
        Array.Clear(output);
        for (var t = 0; t < count; t++)
            TensorPrimitives.MultiplyAdd(values.AsSpan(t * kvDim + kvOffset, headDim), scores[t], output, output);
    }

    private static float[] RandomVector(Random random, int length, float spread)
    {
        var x = new float[length];
        for (var i = 0; i < length; i++) x[i] = (float)(random.NextDouble() * 2 - 1) * spread;
        return x;
    }
}
