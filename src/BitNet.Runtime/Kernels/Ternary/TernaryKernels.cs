namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>The registry of ternary kernel paths and the one-time choice among them.</summary>
internal static class TernaryKernels
{
    /// <summary>Every path, fastest first (measured, docs/benchmarks.md).</summary>
    /// <remarks>
    /// The AVX-512 lookup path ranks first: on Zen 4 its GEMV streams weights ~1.4× faster per thread and its prefill tile
    /// does ~1.7× the multiply-adds per second of the 2-bit AVX-512 kernels (docs/benchmarks.md, "Lookup kernels").
    /// Measured on Zen 5 (docs/benchmarks.md): the AVX-512 GEMV streams 2560→6912 at ~50 GB/s on two threads against
    /// ~43 for AVX2, and its 2-row × 8-vector prefill tile runs ~148 GMAC/s per thread on Zen 4 (AVX2's 1 × 8: ~147). AVX-VNNI's 256-bit
    /// vpdpbusd measured no faster than AVX2's vpmaddubsw here, so AVX2 ranks above it.
    /// </remarks>
    public static IReadOnlyList<TernaryKernel> All { get; } =
    [
        new Avx512LookupKernel(),
        new Avx512TernaryKernel(),
        new Avx2TernaryKernel(),
        new AvxVnniTernaryKernel(),
        new AdvSimdDotTernaryKernel(),
        new Vector128TernaryKernel(),
        new ScalarTernaryKernel(),
    ];

    /// <summary>The paths this CPU supports, fastest first.</summary>
    public static IReadOnlyList<TernaryKernel> Supported { get; } = [.. All.Where(k => k.IsSupported)];

    /// <summary>The fastest supported path, chosen once.</summary>
    public static TernaryKernel Best { get; } = Supported[0];

    /// <summary>The kernel for a requested path; <see cref="KernelPath.Auto"/> means <see cref="Best"/>.</summary>
    /// <exception cref="NotSupportedException">This CPU cannot run the requested path.</exception>
    public static TernaryKernel Get(KernelPath path)
    {
        if (path == KernelPath.Auto) return Best;
        foreach (var kernel in All)
            if (kernel.Path == path)
                return kernel.IsSupported
                    ? kernel
                    : throw new NotSupportedException($"This CPU cannot run the {path} kernels. Supported here: {string.Join(", ", Supported)}.");
        throw new ArgumentOutOfRangeException(nameof(path), path, "Unknown kernel path.");
    }
}
