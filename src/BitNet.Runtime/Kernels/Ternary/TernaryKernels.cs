namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>The registry of ternary kernel paths and the one-time choice among them.</summary>
internal static class TernaryKernels
{
    /// <summary>Every path, fastest first (measured, docs/benchmarks.md).</summary>
    /// <remarks>
    /// AVX2 ranks above AVX-512 and AVX-VNNI: on the Zen 5 machines we measure, the AVX2 GEMV streams 2560→6912 in
    /// 144 µs where the current AVX-512 and AVX-VNNI kernels take 289 and 323 µs (their dependency chains are longer),
    /// and 2B4T decode runs at 25 tok/s instead of 10. They stay selectable and tested until they are faster.
    /// </remarks>
    public static IReadOnlyList<TernaryKernel> All { get; } =
    [
        new Avx2TernaryKernel(),
        new Avx512TernaryKernel(),
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
