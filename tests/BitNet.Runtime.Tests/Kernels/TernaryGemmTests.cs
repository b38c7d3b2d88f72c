using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Activations;
using BitNet.Runtime.Kernels.Ternary;
using BitNet.Runtime.Threading;

namespace BitNet.Runtime.Tests.Kernels;

public sealed unsafe class TernaryGemmTests
{
    public static TheoryData<KernelPath> SupportedPaths() => TernaryKernelTests.SupportedPaths();

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void BatchedProduct_EqualsTokenByTokenProducts(KernelPath path)
    {
        // Two threads' parts, an odd row count, padded rows, and 8 + 4 + 1 vectors (every tile shape and the single-vector
        // path): every output must be bit-identical to the GEMV of its vector, which the batched prefill relies on.
        const int rows = 301, columns = 2000, count = 13;
        using var pool = new WorkerPool(2);
        var (matrix, _) = TernaryGemvTests.RandomMatrix(rows, columns, 0.0123f, seed: 5);
        using var _ = matrix;
        var kernel = TernaryKernels.Get(path);
        using var batch = new QuantizedActivationBatch(columns, count);
        using var single = new QuantizedActivations(columns);
        var gemv = new TernaryGemv(kernel, rows);
        var expected = new float[count * rows];
        for (var n = 0; n < count; n++)
        {
            var x = TernaryGemvTests.RandomVector(columns, seed: 100 + n);
            batch.Quantize(n, x);
            single.Quantize(x);
            fixed (float* y = &expected[n * rows]) gemv.Multiply(pool, matrix, single, y);
        }
        var actual = new float[count * rows];
        fixed (float* y = actual) new TernaryGemm(kernel, rows, count).Multiply(pool, matrix, batch, count, y, rows);
        Assert.Equal(expected, actual);
    }
}
