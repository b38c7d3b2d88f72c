using System.Runtime.CompilerServices;
using BitNet.Runtime.Kernels.Activations;
using BitNet.Runtime.Threading;
using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>
/// y = W · x for a packed ternary matrix, rows split across the worker pool. One instance per sequence (it carries the
/// operands of the step being run); it allocates nothing per call.
/// </summary>
/// <remarks>
/// Int8 activations: y[r] = (Σ c·q − Σq) · s_w / c_x, exact integer sums. Int8 activations with a step per 256-block
/// (ggml's Q8_K): y[r] = Σ_b (Σ c·q − Σq)_b · d_b · s_w. Float activations: y[r] = Σ t·x · s_w.
/// Matrices with per-block scales take the per-chunk route (general TQ files with differing block scales).
/// </remarks>
internal sealed unsafe class TernaryGemv : ParallelJob
{
    // A row range smaller than this is not worth a thread hand-off (~1 µs): the tiny model's 256×256 products run
    // on one thread, 2B4T's on all.
    private const long MinimumWeightsPerPart = 1 << 16;

    // Rows per pass of the per-block activation route: each block's dots for a tile of rows, while the tile's weights
    // (64 × 1728 bytes on 2B4T's ffn_down) stay in cache for the next block.
    private const int TileRows = 64;

    private readonly TernaryKernel _kernel;
    private readonly int* _dots;
    private readonly int _capacity;
    private PackedTernaryMatrix? _matrix;
    private QuantizedActivations? _quantized;
    private float* _floatInput;
    private float* _output;

    public TernaryGemv(TernaryKernel kernel, int maxRows)
    {
        _kernel = kernel;
        _capacity = maxRows;
        _dots = (int*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(maxRows * sizeof(int)), 64);
    }

    ~TernaryGemv() => System.Runtime.InteropServices.NativeMemory.AlignedFree(_dots);

    /// <summary>y = W · dequant(x) with int8 activations.</summary>
    public void Multiply(WorkerPool pool, PackedTernaryMatrix matrix, QuantizedActivations x, float* y)
    {
        Check(matrix, x.Length);
        _matrix = matrix;
        _quantized = x;
        _floatInput = null;
        _output = y;
        Dispatch(pool, matrix);
    }

    /// <summary>y = W · x with float activations; <paramref name="x"/> holds <see cref="PackedTernaryMatrix.PaddedColumns"/> floats (zero padding).</summary>
    public void Multiply(WorkerPool pool, PackedTernaryMatrix matrix, float* x, float* y)
    {
        Check(matrix, matrix.Columns);
        _matrix = matrix;
        _quantized = null;
        _floatInput = x;
        _output = y;
        Dispatch(pool, matrix);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Execute(int start, int end)
    {
        var w = _matrix!;
        var rows = end - start;
        var codes = w.Codes + (long)start * w.RowBytes;
        if (w.BlockScales is not null)
        {
            ExecuteBlockScaled(w, start, end);
            return;
        }
        if (_quantized is { } q)
        {
            if (q.IsPerBlock)
            {
                ExecuteActivationBlocks(w, q, start, end);
                return;
            }
            _kernel.RowDots(codes, w.RowBytes, w.ChunksPerRow, q.Pointer, rows, _dots + start);
            var scale = w.Scale / q.Scale;
            var sum = q.Sum;
            for (var r = start; r < end; r++) _output[r] = (_dots[r] - sum) * scale;
        }
        else
        {
            _kernel.RowDotsFloat(codes, w.RowBytes, w.ChunksPerRow, _floatInput, rows, _output + start);
            for (var r = start; r < end; r++) _output[r] *= w.Scale;
        }
    }

    /// <summary>
    /// Int8 activations with a step per 256-block (ggml's Q8_K): y[r] = Σ_b (Σ c·q − Σq)_b · (d_b · s_w), the block sums
    /// exact integers, each scaled as ggml's TQ kernels do (block dot times d_activation · d_weight, summed in float).
    /// The block dots come from the ordinary kernels, one chunk at a time over a tile of rows.
    /// </summary>
    private void ExecuteActivationBlocks(PackedTernaryMatrix w, QuantizedActivations q, int start, int end)
    {
        var steps = q.BlockSteps;
        var sums = q.BlockSums;
        for (var tile = start; tile < end; tile += TileRows)
        {
            var rows = Math.Min(TileRows, end - tile);
            var codes = w.Codes + (long)tile * w.RowBytes;
            var dots = _dots + tile;
            var y = _output + tile;
            new Span<float>(y, rows).Clear();
            for (var b = 0; b < w.ChunksPerRow; b++)
            {
                _kernel.RowDots(codes + b * PackedTernaryMatrix.ChunkBytes, w.RowBytes, 1, q.Pointer + b * PackedTernaryMatrix.ChunkElements, rows, dots);
                var factor = steps[b] * w.Scale;
                var sum = sums[b];
                for (var r = 0; r < rows; r++) y[r] += (dots[r] - sum) * factor;
            }
        }
    }

    private void ExecuteBlockScaled(PackedTernaryMatrix w, int start, int end)
    {
        var chunks = w.ChunksPerRow;
        var scales = w.BlockScales!;
        for (var r = start; r < end; r++)
        {
            var row = w.Codes + (long)r * w.RowBytes;
            var y = 0f;
            for (var j = 0; j < chunks; j++)
            {
                var weightScale = scales[r * chunks + j];
                if (_quantized is { } q)
                {
                    int raw;
                    _kernel.RowDots(row + j * PackedTernaryMatrix.ChunkBytes, w.RowBytes, 1, q.Pointer + j * PackedTernaryMatrix.ChunkElements, 1, &raw);
                    if (q.IsPerBlock)
                    {
                        // ggml's TQ × Q8_K: the block's integer dot times d_activation · d_weight.
                        y += (raw - q.BlockSums[j]) * (q.BlockSteps[j] * weightScale);
                        continue;
                    }
                    var sum = 0;
                    var xs = q.Pointer + j * PackedTernaryMatrix.ChunkElements;
                    for (var k = 0; k < PackedTernaryMatrix.ChunkElements; k++) sum += xs[k];
                    y += (raw - sum) / q.Scale * weightScale;
                }
                else
                {
                    float dot;
                    _kernel.RowDotsFloat(row + j * PackedTernaryMatrix.ChunkBytes, w.RowBytes, 1, _floatInput + j * PackedTernaryMatrix.ChunkElements, 1, &dot);
                    y += dot * weightScale;
                }
            }
            _output[r] = y;
        }
    }

    private void Dispatch(WorkerPool pool, PackedTernaryMatrix matrix)
    {
        var perRow = (long)matrix.PaddedColumns;
        var parts = (int)Math.Clamp(matrix.Rows * perRow / MinimumWeightsPerPart, 1, pool.Threads);
        if (parts == 1) Execute(0, matrix.Rows);
        else pool.Run(this, matrix.Rows, granularity: 16, maxParts: parts);
    }

    private void Check(PackedTernaryMatrix matrix, int inputLength)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.Rows > _capacity) throw new ArgumentException($"{matrix.Name} has {matrix.Rows} rows; this product was sized for {_capacity}.");
        if (inputLength != matrix.Columns) throw new ArgumentException($"{matrix.Name} takes {matrix.Columns} inputs, got {inputLength}.");
    }
}
