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
    // Up to three matrices that read the same input (q/k/v, gate/up) run as one parallel step over their stacked rows:
    // one hand-off and one wait instead of three.
    private const int MaxMatrices = 3;
    private readonly PackedTernaryMatrix?[] _matrices = new PackedTernaryMatrix?[MaxMatrices];
    private readonly float*[] _outputs = new float*[MaxMatrices];
    private readonly int[] _firstRows = new int[MaxMatrices + 1];
    private int _count;
    private QuantizedActivations? _quantized;
    private float* _floatInput;
    // The input's tables for matrices in the lookup layout (null unless the kernel reads it).
    private short* _tables;
    private int _tableGroups;
    private bool _lookup;

    /// <param name="kernel">The kernel path.</param>
    /// <param name="maxRows">The most rows of one step (stacked matrices together).</param>
    /// <param name="maxColumns">The widest input, for the lookup tables (allocated now rather than on first use).</param>
    public TernaryGemv(TernaryKernel kernel, int maxRows, int maxColumns = 0)
    {
        _kernel = kernel;
        _capacity = maxRows;
        // Lookup-layout matrices produce dots for their rows padded to whole super-blocks.
        _dots = (int*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(
            (nuint)((maxRows + MaxMatrices * LookupTernaryCodes.SuperBlockRows) * sizeof(int)), 64);
        if (kernel.ReadsLookupLayout && maxColumns > 0) EnsureTables(LookupTernaryCodes.GroupsFor(maxColumns));
    }

    private void EnsureTables(int groups)
    {
        if (groups <= _tableGroups) return;
        System.Runtime.InteropServices.NativeMemory.AlignedFree(_tables);
        _tables = (short*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(groups * LookupTernaryCodes.TableBytes), 64);
        _tableGroups = groups;
    }

    ~TernaryGemv()
    {
        System.Runtime.InteropServices.NativeMemory.AlignedFree(_dots);
        System.Runtime.InteropServices.NativeMemory.AlignedFree(_tables);
    }

    /// <summary>y = W · dequant(x) with int8 activations.</summary>
    public void Multiply(WorkerPool pool, PackedTernaryMatrix matrix, QuantizedActivations x, float* y)
    {
        Check(matrix, x.Length);
        Set(matrix, y, null, null, null, null);
        Run(pool, x, null);
    }

    /// <summary>y_i = W_i · dequant(x) for two or three matrices that share their input, in one parallel step.</summary>
    public void Multiply(WorkerPool pool, QuantizedActivations x, PackedTernaryMatrix a, float* ya, PackedTernaryMatrix b, float* yb,
                         PackedTernaryMatrix? c = null, float* yc = null)
    {
        Check(a, x.Length);
        Check(b, x.Length);
        if (c is not null) Check(c, x.Length);
        Set(a, ya, b, yb, c, yc);
        Run(pool, x, null);
    }

    /// <summary>y = W · x with float activations; <paramref name="x"/> holds <see cref="PackedTernaryMatrix.PaddedColumns"/> floats (zero padding).</summary>
    public void Multiply(WorkerPool pool, PackedTernaryMatrix matrix, float* x, float* y)
    {
        Check(matrix, matrix.Columns);
        Set(matrix, y, null, null, null, null);
        Run(pool, null, x);
    }

    /// <summary>
    /// The super-blocks of matrix <paramref name="index"/> of a step over the stacked matrices of
    /// <paramref name="stackRows"/> rows (inputs padded to <paramref name="paddedColumns"/>) where a thread's share
    /// starts, with <paramref name="threads"/> threads: the lookup layout stores each share contiguously
    /// (<see cref="LookupTernaryCodes"/>). The same arithmetic as <see cref="Run"/> and <see cref="ParallelJob"/>'s ranges.
    /// </summary>
    internal static int[] LookupSplits(ReadOnlySpan<int> stackRows, int paddedColumns, int index, int threads)
    {
        int units = 0, first = 0;
        for (var m = 0; m < stackRows.Length; m++)
        {
            if (m == index) first = units;
            units += LookupTernaryCodes.PadRows(stackRows[m]) / LookupTernaryCodes.SuperBlockRows;
        }
        var count = LookupTernaryCodes.PadRows(stackRows[index]) / LookupTernaryCodes.SuperBlockRows;
        var parts = (int)Math.Clamp((long)units * LookupTernaryCodes.SuperBlockRows * paddedColumns / MinimumWeightsPerPart, 1, Math.Max(1, threads));
        parts = Math.Min(parts, units);
        var splits = new List<int>();
        for (var part = 1; part < parts; part++)
        {
            var boundary = (int)((long)units * part / parts);
            if (boundary > first && boundary < first + count) splits.Add(boundary - first);
        }
        return [.. splits];
    }

    private void Set(PackedTernaryMatrix a, float* ya, PackedTernaryMatrix? b, float* yb, PackedTernaryMatrix? c, float* yc)
    {
        _count = 0;
        _lookup = false;
        _firstRows[0] = 0;
        Add(a, ya);
        if (b is not null) Add(b, yb);
        if (c is not null) Add(c, yc);
        var rows = 0;
        for (var m = 0; m < _count; m++) rows += _matrices[m]!.Rows;
        if (rows > _capacity)
            throw new ArgumentException($"These products have {rows} rows in all; this product was sized for {_capacity}.");
    }

    private void Add(PackedTernaryMatrix matrix, float* y)
    {
        _matrices[_count] = matrix;
        _outputs[_count] = y;
        // With the lookup path every matrix spans whole super-blocks of the stacked rows, so that the step's parts (whole
        // super-blocks) start on one in each lookup matrix even when a 2-bit one (per-block scales) precedes it.
        _firstRows[_count + 1] = _firstRows[_count] + (_kernel.ReadsLookupLayout ? LookupTernaryCodes.PadRows(matrix.Rows) : matrix.Rows);
        _lookup |= matrix.Lookup is not null;
        _count++;
    }

    private void Run(WorkerPool pool, QuantizedActivations? quantized, float* floatInput)
    {
        _quantized = quantized;
        _floatInput = floatInput;
        var rows = _firstRows[_count];
        var first = _matrices[0]!;
        if (_lookup)
        {
            if (!_kernel.ReadsLookupLayout || quantized is null or { IsPerBlock: true })
                throw new InvalidOperationException($"{first.Name} is in the lookup layout, which only the {KernelPath.Avx512Lookup} path with int8 per-token activations multiplies.");
            // One set of tables serves every stacked matrix: they share the input.
            var groups = LookupTernaryCodes.GroupsFor(first.Columns);
            EnsureTables(groups);
            LookupTables.Build(quantized.Pointer, first.Columns, groups, _tables);
        }
        var perRow = (long)first.PaddedColumns;
        var parts = (int)Math.Clamp(rows * perRow / MinimumWeightsPerPart, 1, pool.Threads);
        if (parts == 1) Execute(0, rows);
        else pool.Run(this, rows, granularity: _lookup ? LookupTernaryCodes.SuperBlockRows : 16, maxParts: parts);
    }

    /// <summary>Rows [start, end) of the stacked matrices: each matrix's share of the range.</summary>
    public override void Execute(int start, int end)
    {
        for (var m = 0; m < _count; m++)
        {
            var matrix = _matrices[m]!;
            int first = _firstRows[m], from = Math.Max(start, first), to = Math.Min(end, _firstRows[m + 1]);
            if (matrix.Lookup is null) to = Math.Min(to, first + matrix.Rows); // a 2-bit matrix's padding rows do not exist
            if (from < to) ExecuteMatrix(matrix, _outputs[m], _dots + first, from - first, to - first);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ExecuteMatrix(PackedTernaryMatrix w, float* output, int* dots, int start, int end)
    {
        if (w.Lookup is { } lookup)
        {
            // start and end are whole super-blocks (the step's granularity); dots past the real rows are dropped.
            Avx512LookupKernel.Dots(lookup, _tables, start / LookupTernaryCodes.SuperBlockRows, end / LookupTernaryCodes.SuperBlockRows, dots + start);
            var real = Math.Min(end, w.Rows) - start;
            if (real > 0) ScaledDots.Store(dots + start, real, 0, w.Scale / _quantized!.Scale, output + start);
            return;
        }
        var rows = end - start;
        var codes = w.Codes + (long)start * w.RowBytes;
        if (w.BlockScales is not null)
        {
            ExecuteBlockScaled(w, output, start, end);
            return;
        }
        if (_quantized is { } q)
        {
            if (q.IsPerBlock)
            {
                ExecuteActivationBlocks(w, q, output, dots, start, end);
                return;
            }
            _kernel.RowDots(codes, w.RowBytes, w.ChunksPerRow, q.Pointer, rows, dots + start);
            ScaledDots.Store(dots + start, rows, q.Sum, w.Scale / q.Scale, output + start);
        }
        else
        {
            _kernel.RowDotsFloat(codes, w.RowBytes, w.ChunksPerRow, _floatInput, rows, output + start);
            for (var r = start; r < end; r++) output[r] *= w.Scale;
        }
    }

    /// <summary>
    /// Int8 activations with a step per 256-block (ggml's Q8_K): y[r] = Σ_b (Σ c·q − Σq)_b · (d_b · s_w), the block sums
    /// exact integers, each scaled as ggml's TQ kernels do (block dot times d_activation · d_weight, summed in float).
    /// The block dots come from the ordinary kernels, one chunk at a time over a tile of rows.
    /// </summary>
    private void ExecuteActivationBlocks(PackedTernaryMatrix w, QuantizedActivations q, float* output, int* dotsBase, int start, int end)
    {
        var steps = q.BlockSteps;
        var sums = q.BlockSums;
        for (var tile = start; tile < end; tile += TileRows)
        {
            var rows = Math.Min(TileRows, end - tile);
            var codes = w.Codes + (long)tile * w.RowBytes;
            var dots = dotsBase + tile;
            var y = output + tile;
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

    private void ExecuteBlockScaled(PackedTernaryMatrix w, float* output, int start, int end)
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
            output[r] = y;
        }
    }

    private void Check(PackedTernaryMatrix matrix, int inputLength)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.Rows > _capacity) throw new ArgumentException($"{matrix.Name} has {matrix.Rows} rows; this product was sized for {_capacity}.");
        if (inputLength != matrix.Columns) throw new ArgumentException($"{matrix.Name} takes {matrix.Columns} inputs, got {inputLength}.");
    }
}
