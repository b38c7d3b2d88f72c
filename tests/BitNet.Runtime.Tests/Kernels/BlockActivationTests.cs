using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Activations;
using BitNet.Runtime.Kernels.Ternary;
using BitNet.Runtime.Threading;
using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Tests.Kernels;

/// <summary>
/// <see cref="Runtime.Model.ActivationQuantization.Int8PerBlock"/>: ggml's Q8_K activation quantization (a step per
/// 256-element block) and the ternary product over it, against plain-loop references.
/// </summary>
public sealed unsafe class BlockActivationTests
{
    public static TheoryData<KernelPath> SupportedPaths() => TernaryKernelTests.SupportedPaths();

    [Fact]
    public void ReferenceQuantizer_FollowsGgmlsQ8K()
    {
        // Block 0: max is -127 (negative), so iscale = -127 / -127 = 1 and q = nearest_int(x), ties to even.
        // Block 1: max is +2 (positive), so iscale = -63.5: q has the opposite sign of x and d is negative.
        // Block 2: all zero. Block 3 (short, 3 elements): -1 and +1 tie for the largest magnitude; the first one counts.
        var x = new float[256 * 3 + 3];
        float[] block0 = [-127f, 2.5f, 3.5f, -2.5f, 0.5f, 1.5f, 126.6f];
        float[] block1 = [2f, 1f, -0.5f, 0.25f];
        block0.CopyTo(x, 0);
        block1.CopyTo(x, 256);
        x[768] = -1f;
        x[769] = 1f;
        x[770] = 0.5f;
        var q = new float[x.Length];
        var steps = new float[4];
        Int8Activations.QuantizeBlocks(x, q, steps);

        Assert.Equal([-127f, 2f, 4f, -2f, 0f, 2f, 127f], q[..7]);
        Assert.Equal(1f, steps[0]);
        Assert.Equal([-127f, -64f, 32f, -16f], q[256..260]); // -63.5 → -64 (even), 31.75 → 32, -15.875 → -16
        Assert.Equal(1f / -63.5f, steps[1]);
        Assert.All(q[512..768], v => Assert.Equal(0f, v));
        Assert.Equal(0f, steps[2]);
        Assert.Equal([-127f, 127f, 64f], q[768..]);              // iscale = -127 / -1 = 127; 63.5 → 64
        Assert.Equal(1f / 127f, steps[3]);
    }

    [Fact]
    public void QuantizeBlocks_MatchesTheReferenceQuantizer()
    {
        var x = TernaryGemvTests.RandomVector(1000, seed: 21); // 4 blocks, the last of 232
        Array.Clear(x, 256, 256);                               // an all-zero block
        x[600] = -3f;                                           // a tie of ±3 in block 2, the negative one first
        x[700] = 3f;
        x[17] = 0.5f;
        using var q = new QuantizedActivations(1000);
        q.QuantizeBlocks(x);

        var reference = new float[x.Length];
        var steps = new float[4];
        Int8Activations.QuantizeBlocks(x, reference, steps);
        Assert.True(q.IsPerBlock);
        Assert.Equal(4, q.BlockCount);
        Assert.Equal(steps, q.BlockSteps.ToArray());
        Assert.True(steps[2] > 0, "ggml keeps the sign of the first largest element (-3), so d = 1 / (127 / 3) > 0");
        for (var i = 0; i < x.Length; i++) Assert.Equal((sbyte)reference[i], q.Values[i]);
        for (var b = 0; b < 4; b++)
        {
            var sum = 0;
            for (var i = b * 256; i < Math.Min(x.Length, b * 256 + 256); i++) sum += (int)reference[i];
            Assert.Equal(sum, q.BlockSums[b]);
        }
        Assert.Equal((int)reference.Sum(), q.Sum);
        Assert.True(float.IsNaN(q.Scale));

        // Re-quantizing a shorter vector clears the old tail; per-token quantization afterwards drops the block data.
        q.QuantizeBlocks(x.AsSpan(0, 10));
        for (var i = 10; i < q.Capacity; i++) Assert.Equal(0, q.Pointer[i]);
        Assert.Equal(1, q.BlockCount);
        q.Quantize(x);
        Assert.False(q.IsPerBlock);
        Assert.True(q.BlockSteps.IsEmpty);
    }

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void Int8PerBlockProduct_MatchesTheScalarReferenceExactly(KernelPath path)
    {
        using var pool = new WorkerPool(2);
        // 70 and 640 rows span several 64-row tiles; 300 and 7 columns end in a short block.
        foreach (var (rows, columns) in new[] { (1, 7), (5, 256), (33, 300), (70, 512), (640, 2560) })
        {
            var (matrix, values) = TernaryGemvTests.RandomMatrix(rows, columns, 0.0123f, seed: rows * columns);
            using var _ = matrix;
            var x = TernaryGemvTests.RandomVector(columns, seed: columns + 1);
            for (var k = 0; k < columns; k += 256) x[k] *= 40; // blocks with different steps
            using var q = new QuantizedActivations(columns);
            q.QuantizeBlocks(x);
            var y = new float[rows];
            fixed (float* yp = y) new TernaryGemv(TernaryKernels.Get(path), rows).Multiply(pool, matrix, q, yp);

            var expected = Reference(values, q, r => 0.0123f, rows, columns);
            for (var r = 0; r < rows; r++)
            {
                Assert.Equal(expected[r], y[r]); // exact integer block sums, then the same float operations
                // And the meaning: Σ_k t · (d_b · q_k) · s_w, in double.
                double dense = 0;
                for (var k = 0; k < columns; k++) dense += values[r, k] * (double)q.BlockSteps[k / 256] * q.Values[k];
                Assert.Equal(dense * 0.0123, y[r], 1e-5);
            }
        }
    }

    [Fact]
    public void BlockScaledMatrix_WithBlockActivations_AppliesBothSteps()
    {
        using var pool = new WorkerPool(1);
        const int rows = 3, columns = 600; // 3 chunks, the last one padded
        var scales = new float[rows * 3];
        for (var i = 0; i < scales.Length; i++) scales[i] = 0.1f * (i + 1);
        using var matrix = new PackedTernaryMatrix("b", rows, columns, float.NaN, scales);
        var random = new Random(5);
        var values = new sbyte[rows, columns];
        var row = new sbyte[columns];
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < columns; k++) row[k] = values[r, k] = (sbyte)(random.Next(3) - 1);
            matrix.SetRow(r, row);
        }
        var x = TernaryGemvTests.RandomVector(columns, seed: 11);
        using var q = new QuantizedActivations(columns);
        q.QuantizeBlocks(x);
        var y = new float[rows];
        fixed (float* yp = y) new TernaryGemv(TernaryKernels.Best, rows).Multiply(pool, matrix, q, yp);
        for (var r = 0; r < rows; r++)
        {
            double expected = 0;
            for (var k = 0; k < columns; k++) expected += values[r, k] * (double)q.Values[k] * q.BlockSteps[k / 256] * scales[r * 3 + k / 256];
            Assert.Equal(expected, y[r], 1e-5);
        }
    }

    /// <summary>The product as plain loops: per row, Σ over blocks of the integer Σ t·q times (d_b · s_w), in float.</summary>
    private static float[] Reference(sbyte[,] values, QuantizedActivations q, Func<int, float> weightScale, int rows, int columns)
    {
        var y = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var sum = 0f;
            for (var b = 0; b * 256 < columns; b++)
            {
                var dot = 0;
                for (var k = b * 256; k < Math.Min(columns, b * 256 + 256); k++) dot += values[r, k] * q.Values[k];
                sum += dot * (q.BlockSteps[b] * weightScale(r));
            }
            y[r] = sum;
        }
        return y;
    }
}
