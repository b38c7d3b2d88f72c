using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BitNet.Runtime.Kernels.Activations;
using BitNet.Runtime.Threading;
using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>
/// Y = W · X for several int8 activation vectors at once (prompt prefill): rows split across the worker pool, each
/// weight chunk unpacked once for all vectors (<see cref="TernaryKernel.RowDotsBatch"/>). One instance per sequence.
/// </summary>
/// <remarks>y[n][r] = (Σ c·q_n − Σq_n) · s_w / c_n: the same exact integer sums as <see cref="TernaryGemv"/>, so a
/// batched prefill gives bit-identical results to a token-by-token one.</remarks>
internal sealed unsafe class TernaryGemm : ParallelJob
{
    private readonly TernaryKernel _kernel;
    private readonly int* _dots;
    private readonly int _maxRows;
    private readonly int _maxCount;
    private PackedTernaryMatrix? _matrix;
    private QuantizedActivationBatch? _x;
    private int _count;
    private float* _output;
    private int _outputStride;
    /// <param name="kernel">The kernel path.</param>
    /// <param name="maxRows">The most rows of a matrix.</param>
    /// <param name="maxCount">The most inputs per product.</param>
    public TernaryGemm(TernaryKernel kernel, int maxRows, int maxCount)
    {
        _kernel = kernel;
        _maxRows = maxRows;
        _maxCount = maxCount;
        // Lookup-layout matrices produce dots for their rows padded to whole super-blocks.
        var dotRows = (long)LookupTernaryCodes.PadRows(maxRows);
        _dots = (int*)NativeMemory.AlignedAlloc((nuint)(dotRows * maxCount * sizeof(int)), 64);
    }

    ~TernaryGemm() => NativeMemory.AlignedFree(_dots);

    /// <summary>output[n · outputStride + r] for n &lt; <paramref name="count"/>, r &lt; rows.</summary>
    public void Multiply(WorkerPool pool, PackedTernaryMatrix matrix, QuantizedActivationBatch x, int count, float* output, int outputStride)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.BlockScales is not null) throw new NotSupportedException($"{matrix.Name} has per-block scales; multiply it token by token.");
        if (matrix.Rows > _maxRows || count > _maxCount) throw new ArgumentException($"{matrix.Name} × {count} exceeds this product's capacity.");
        if (matrix.PaddedColumns > x.Stride) throw new ArgumentException($"{matrix.Name} takes {matrix.Columns} inputs; the batch holds {x.Stride}.");
        _matrix = matrix;
        _x = x;
        _count = count;
        _output = output;
        _outputStride = outputStride;
        if (matrix.Lookup is { } lookup)
        {
            if (!_kernel.ReadsLookupLayout) throw new InvalidOperationException($"{matrix.Name} is in the lookup layout, which only the {KernelPath.Avx512Lookup} path multiplies.");
            // The batch builds each input's tables when it quantizes it, in parallel, once for every product reading it.
            if (!x.HasTables(count, matrix.Columns))
                throw new InvalidOperationException($"{matrix.Name} is in the lookup layout: quantize its inputs into a batch made with lookup tables.");
            pool.Run(this, lookup.PaddedRows, granularity: LookupTernaryCodes.SuperBlockRows);
            return;
        }
        pool.Run(this, matrix.Rows, granularity: 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Execute(int start, int end)
    {
        var w = _matrix!;
        var x = _x!;
        var rows = end - start;
        var dots = _dots + (long)start * _count; // this part's private region: [count × rows]
        if (w.Lookup is { } lookup)
        {
            // Whole super-blocks (the step's granularity); dots past the real rows are dropped.
            Avx512LookupKernel.DotsBatch(lookup, x.Tables, x.TableStride, _count, start / LookupTernaryCodes.SuperBlockRows,
                end / LookupTernaryCodes.SuperBlockRows, dots, rows);
            var real = Math.Min(end, w.Rows) - start;
            if (real > 0)
                for (var n = 0; n < _count; n++)
                    ScaledDots.Store(dots + (long)n * rows, real, 0, w.Scale / x.Scales[n], _output + (long)n * _outputStride + start);
            return;
        }
        _kernel.RowDotsBatch(w.Codes + (long)start * w.RowBytes, w.RowBytes, w.ChunksPerRow, x.Pointer, x.Stride, _count, rows, dots);
        for (var n = 0; n < _count; n++)
            ScaledDots.Store(dots + (long)n * rows, rows, x.Sums[n], w.Scale / x.Scales[n], _output + (long)n * _outputStride + start);
    }
}
