using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Activations;
using BitNet.Runtime.Kernels.Ternary;
using BitNet.Runtime.Threading;
using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Tests.Kernels;

public sealed unsafe class TernaryGemvTests
{
    public static TheoryData<KernelPath> SupportedPaths() => TernaryKernelTests.SupportedPaths();

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void Int8Product_IsTheExactIntegerSum(KernelPath path)
    {
        using var pool = new WorkerPool(2);
        foreach (var (rows, columns) in new[] { (1, 7), (5, 256), (33, 300), (640, 2560) })
        {
            var (matrix, values) = RandomMatrix(rows, columns, 0.0123f, seed: rows + columns);
            using var _ = matrix;
            var x = RandomVector(columns, seed: columns);
            using var q = new QuantizedActivations(columns);
            q.Quantize(x);
            var y = new float[rows];
            var gemv = new TernaryGemv(TernaryKernels.Get(path), rows);
            fixed (float* yp = y) gemv.Multiply(pool, matrix, q, yp);

            var qs = q.Values;
            for (var r = 0; r < rows; r++)
            {
                long sum = 0;
                for (var k = 0; k < columns; k++) sum += values[r, k] * qs[k];
                Assert.Equal(sum * (0.0123f / q.Scale), y[r], 1e-4f);
            }
        }
    }

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void StackedProducts_EqualSeparateProducts(KernelPath path)
    {
        // q/k/v (and gate/up) run as one parallel step over their stacked rows; each output must be exactly what its own
        // product gives, whichever thread's range crosses a matrix boundary.
        using var pool = new WorkerPool(2);
        const int columns = 1024;
        var (a, _) = RandomMatrix(515, columns, 0.01f, seed: 1);
        var (b, _) = RandomMatrix(129, columns, 0.02f, seed: 2);
        var (c, _) = RandomMatrix(131, columns, 0.03f, seed: 3);
        using var ma = a;
        using var mb = b;
        using var mc = c;
        using var q = new QuantizedActivations(columns);
        q.Quantize(RandomVector(columns, seed: 4));
        var kernel = TernaryKernels.Get(path);
        float[] ea = new float[515], eb = new float[129], ec = new float[131];
        float[] ya = new float[515], yb = new float[129], yc = new float[131];
        var single = new TernaryGemv(kernel, 515);
        fixed (float* p = ea) single.Multiply(pool, a, q, p);
        fixed (float* p = eb) single.Multiply(pool, b, q, p);
        fixed (float* p = ec) single.Multiply(pool, c, q, p);
        var stacked = new TernaryGemv(kernel, 515 + 129 + 131);
        fixed (float* pa = ya, pb = yb, pc = yc) stacked.Multiply(pool, q, a, pa, b, pb, c, pc);
        Assert.Equal(ea, ya);
        Assert.Equal(eb, yb);
        Assert.Equal(ec, yc);

        Array.Clear(ya);
        Array.Clear(yb);
        fixed (float* pa = ya, pb = yb) stacked.Multiply(pool, q, a, pa, b, pb);
        Assert.Equal(ea, ya);
        Assert.Equal(eb, yb);
    }

    [Fact]
    public void StackedProducts_BeyondCapacity_AreRejected()
    {
        using var pool = new WorkerPool(1);
        var (a, _) = RandomMatrix(16, 256, 0.01f, seed: 1);
        using var m = a;
        using var q = new QuantizedActivations(256);
        q.Quantize(RandomVector(256, seed: 2));
        var y = (float*)System.Runtime.InteropServices.NativeMemory.Alloc(32 * sizeof(float));
        try
        {
            var gemv = new TernaryGemv(TernaryKernels.Best, 16);
            Assert.Throws<ArgumentException>(() => gemv.Multiply(pool, q, a, y, a, y + 16));
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(y);
        }
    }

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void FloatProduct_MatchesDenseReference(KernelPath path)
    {
        using var pool = new WorkerPool(2);
        foreach (var (rows, columns) in new[] { (3, 100), (17, 512), (640, 2560) })
        {
            var (matrix, values) = RandomMatrix(rows, columns, 0.5f, seed: rows);
            using var _ = matrix;
            var x = new float[matrix.PaddedColumns];
            RandomVector(columns, seed: 3).CopyTo(x, 0);
            var y = new float[rows];
            fixed (float* xp = x, yp = y) new TernaryGemv(TernaryKernels.Get(path), rows).Multiply(pool, matrix, xp, yp);
            for (var r = 0; r < rows; r++)
            {
                double expected = 0;
                for (var k = 0; k < columns; k++) expected += values[r, k] * (double)x[k];
                Assert.Equal(expected * 0.5, y[r], 1e-3);
            }
        }
    }

    [Fact]
    public void BlockScaledMatrix_AppliesEachBlocksScale()
    {
        using var pool = new WorkerPool(1);
        const int rows = 3, columns = 600; // 3 chunks, the last one padded
        var scales = new float[rows * 3];
        for (var i = 0; i < scales.Length; i++) scales[i] = 0.1f * (i + 1);
        using var matrix = new PackedTernaryMatrix("b", rows, columns, 0f, scales);
        var random = new Random(5);
        var values = new sbyte[rows, columns];
        var row = new sbyte[columns];
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < columns; k++) row[k] = values[r, k] = (sbyte)(random.Next(3) - 1);
            matrix.SetRow(r, row);
        }
        var x = new float[matrix.PaddedColumns];
        RandomVector(columns, seed: 11).CopyTo(x, 0);
        var y = new float[rows];
        fixed (float* xp = x, yp = y) new TernaryGemv(TernaryKernels.Best, rows).Multiply(pool, matrix, xp, yp);
        for (var r = 0; r < rows; r++)
        {
            double expected = 0;
            for (var k = 0; k < columns; k++) expected += values[r, k] * (double)x[k] * scales[r * 3 + k / 256];
            Assert.Equal(expected, y[r], 1e-4);
        }
    }

    [Fact]
    public void Quantize_MatchesTheReferenceQuantizer()
    {
        var x = RandomVector(1000, seed: 8);
        x[17] = 0.5f; // exercise ties at .5 after scaling
        using var q = new QuantizedActivations(1000);
        q.Quantize(x);
        var reference = new float[1000];
        var scale = Int8Activations.Quantize(x, reference);
        Assert.Equal(scale, q.Scale);
        for (var i = 0; i < x.Length; i++) Assert.Equal((sbyte)reference[i], q.Values[i]);
        Assert.Equal((int)reference.Sum(), q.Sum);
        // Re-quantizing a shorter vector clears the old tail (padding must stay zero).
        q.Quantize(x.AsSpan(0, 10));
        for (var i = 10; i < q.Capacity; i++) Assert.Equal(0, q.Pointer[i]);
    }

    internal static (PackedTernaryMatrix Matrix, sbyte[,] Values) RandomMatrix(int rows, int columns, float scale, int seed)
    {
        var random = new Random(seed);
        var matrix = new PackedTernaryMatrix("m", rows, columns, scale);
        var values = new sbyte[rows, columns];
        var row = new sbyte[columns];
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < columns; k++) row[k] = values[r, k] = (sbyte)(random.Next(3) - 1);
            matrix.SetRow(r, row);
        }
        return (matrix, values);
    }

    internal static float[] RandomVector(int length, int seed)
    {
        var random = new Random(seed);
        var x = new float[length];
        for (var i = 0; i < length; i++) x[i] = (float)(random.NextDouble() * 6 - 3);
        return x;
    }
}
