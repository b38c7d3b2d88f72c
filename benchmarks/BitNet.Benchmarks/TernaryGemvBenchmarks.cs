using BenchmarkDotNet.Attributes;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Activations;
using BitNet.Runtime.Kernels.Ternary;
using BitNet.Runtime.Threading;
using BitNet.Runtime.Weights;

namespace BitNet.Benchmarks;

/// <summary>
/// Ternary GEMV (one decoded token) at 2B4T's projection shapes, int8 activations, on 2 threads. Several copies of the
/// matrix are cycled so that each call streams its weights from DRAM, as in a real decode (a 30-layer model does not
/// fit in cache). Effective GB/s = packed bytes / time (2 bits per weight; 1.78 for <see cref="KernelPath.Avx512Lookup"/>,
/// whose matrices are re-encoded into the lookup layout as the model does at load; its time includes the input's tables).
/// </summary>
[MemoryDiagnoser]
public unsafe class TernaryGemvBenchmarks
{
    private PackedTernaryMatrix[] _copies = [];
    private QuantizedActivations _x = null!;
    private float[] _y = [];
    private WorkerPool _pool = null!;
    private TernaryGemv _gemv = null!;
    private int _next;

    /// <summary>Input features → output features.</summary>
    [Params("2560x2560", "2560x640", "2560x6912", "6912x2560")]
    public string Shape { get; set; } = "2560x2560";

    [Params(KernelPath.Avx512Lookup, KernelPath.Avx512, KernelPath.AvxVnni, KernelPath.Avx2, KernelPath.Vector128)]
    public KernelPath Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var parts = Shape.Split('x');
        int columns = int.Parse(parts[0]), rows = int.Parse(parts[1]);
        var kernel = TernaryKernels.Get(Path);
        var random = new Random(42);
        var row = new sbyte[columns];
        // ≥ 256 MB of weights in all, far beyond any cache.
        var copies = (int)Math.Max(2, (256L << 20) / ((long)rows * columns / 4));
        _copies = new PackedTernaryMatrix[copies];
        for (var c = 0; c < copies; c++)
        {
            _copies[c] = new PackedTernaryMatrix("bench", rows, columns, 0.02f);
            for (var r = 0; r < rows; r++)
            {
                for (var k = 0; k < columns; k++) row[k] = (sbyte)(random.Next(3) - 1);
                _copies[c].SetRow(r, row);
            }
            // Laid out as the model does for this step on the pool's two threads: each thread's share contiguous.
            if (kernel.ReadsLookupLayout) _copies[c].UseLookupLayout(arena: null, TernaryGemv.LookupSplits([rows], PackedTernaryMatrix.PadColumns(columns), 0, threads: 2));
        }
        var x = new float[columns];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        _x = new QuantizedActivations(columns);
        _x.Quantize(x);
        _y = GC.AllocateArray<float>(rows, pinned: true);
        _pool = new WorkerPool(2);
        _gemv = new TernaryGemv(kernel, rows);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _x.Dispose();
        foreach (var m in _copies) m.Dispose();
    }

    [Benchmark(Description = "ternary GEMV, int8 activations, 2 threads")]
    public void Gemv()
    {
        var matrix = _copies[_next];
        _next = (_next + 1) % _copies.Length;
        fixed (float* y = _y) _gemv.Multiply(_pool, matrix, _x, y);
    }
}
