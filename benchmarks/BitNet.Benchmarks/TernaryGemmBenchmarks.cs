using BenchmarkDotNet.Attributes;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Activations;
using BitNet.Runtime.Kernels.Ternary;
using BitNet.Runtime.Threading;
using BitNet.Runtime.Weights;

namespace BitNet.Benchmarks;

/// <summary>
/// Ternary GEMM (prompt prefill): a batch of 128 int8 activation vectors through 2B4T's projection shapes on 2 threads.
/// Compute-bound, so one matrix suffices. Effective GMAC/s = rows × columns × 128 / time. For
/// <see cref="KernelPath.Avx512Lookup"/> the matrix is re-encoded into the lookup layout and the batch builds its tables
/// when it is quantized, as the model does (the tables are then shared by every product that reads the batch).
/// </summary>
[MemoryDiagnoser]
public unsafe class TernaryGemmBenchmarks
{
    private const int Batch = 128;
    private PackedTernaryMatrix _matrix = null!;
    private QuantizedActivationBatch _x = null!;
    private float[] _y = [];
    private WorkerPool _pool = null!;
    private TernaryGemm _gemm = null!;

    /// <summary>Input features → output features.</summary>
    [Params("2560x2560", "2560x640", "2560x6912", "6912x2560")]
    public string Shape { get; set; } = "2560x2560";

    [Params(KernelPath.Avx512Lookup, KernelPath.Avx512, KernelPath.AvxVnni, KernelPath.Avx2)]
    public KernelPath Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var parts = Shape.Split('x');
        int columns = int.Parse(parts[0]), rows = int.Parse(parts[1]);
        var random = new Random(42);
        _matrix = new PackedTernaryMatrix("bench", rows, columns, 0.02f);
        var row = new sbyte[columns];
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < columns; k++) row[k] = (sbyte)(random.Next(3) - 1);
            _matrix.SetRow(r, row);
        }
        var kernel = TernaryKernels.Get(Path);
        if (kernel.ReadsLookupLayout) _matrix.UseLookupLayout(arena: null);
        _x = new QuantizedActivationBatch(columns, Batch, lookupTables: kernel.ReadsLookupLayout);
        var x = new float[columns];
        for (var n = 0; n < Batch; n++)
        {
            for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
            _x.Quantize(n, x);
        }
        _y = GC.AllocateArray<float>(rows * Batch, pinned: true);
        _pool = new WorkerPool(2);
        _gemm = new TernaryGemm(kernel, rows, Batch);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _x.Dispose();
        _matrix.Dispose();
    }

    [Benchmark(Description = "ternary GEMM, 128 int8 vectors, 2 threads")]
    public void Gemm()
    {
        fixed (float* y = _y) _gemm.Multiply(_pool, _matrix, _x, Batch, y, _matrix.Rows);
    }
}
