namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>
/// Ternary × int8 dot products over the <see cref="Weights.PackedTernaryMatrix"/> layout, one implementation per
/// instruction set. Every method computes raw sums of code × activation (code c = t + 1 ∈ {0, 1, 2}); callers subtract
/// Σx to get Σ t·x. All pointers address padded data: <c>chunks</c> × 256 activations, rows of <c>rowStride</c> bytes.
/// </summary>
/// <remarks>Implementations are stateless and thread-safe; the engine picks one at start-up (<see cref="TernaryKernels"/>).</remarks>
internal abstract unsafe class TernaryKernel
{
    /// <summary>The instruction-set path.</summary>
    public abstract KernelPath Path { get; }

    /// <summary>Whether this CPU can run the path.</summary>
    public abstract bool IsSupported { get; }

    /// <summary>
    /// Whether the model should re-encode its matrices into <see cref="Weights.LookupTernaryCodes"/> at load, for the
    /// products that layout serves (int8 per-token activations, one scale per tensor).
    /// </summary>
    public virtual bool ReadsLookupLayout => false;

    /// <summary>dots[r] = Σ_k c[r, k] · x[k] over <paramref name="chunks"/> 256-element chunks, for <paramref name="rows"/> rows.</summary>
    public abstract void RowDots(byte* codes, int rowStride, int chunks, sbyte* x, int rows, int* dots);

    /// <summary>
    /// The same for <paramref name="count"/> activation vectors spaced <paramref name="xStride"/> apart:
    /// dots[n · rows + r]. Paths override this to unpack each weight chunk once for several vectors (prompt prefill).
    /// </summary>
    public virtual void RowDotsBatch(byte* codes, int rowStride, int chunks, sbyte* xs, int xStride, int count, int rows, int* dots)
    {
        for (var n = 0; n < count; n++)
            RowDots(codes, rowStride, chunks, xs + (long)n * xStride, rows, dots + (long)n * rows);
    }

    /// <summary>dots[r] = Σ_k t[r, k] · x[k] (signed ternary values) with float activations: the exact, unquantized path.</summary>
    public virtual void RowDotsFloat(byte* codes, int rowStride, int chunks, float* x, int rows, float* dots) =>
        ScalarTernaryKernel.RowDotsFloatReference(codes, rowStride, chunks, x, rows, dots);

    /// <inheritdoc />
    public override string ToString() => Path.ToString();
}
