namespace BitNet.Runtime.Kernels;

/// <summary>Which instruction-set path the ternary kernels use. <see cref="Auto"/> picks the fastest the CPU supports.</summary>
public enum KernelPath
{
    /// <summary>The fastest supported path, chosen once at start-up.</summary>
    Auto = 0,

    /// <summary>Plain C#: the reference every other path is tested against.</summary>
    Scalar,

    /// <summary>Portable 128-bit vectors (any CPU with SIMD).</summary>
    Vector128,

    /// <summary>Arm AdvSimd with the dot-product extension (SDOT).</summary>
    AdvSimdDot,

    /// <summary>x86 AVX2 (vpmaddubsw).</summary>
    Avx2,

    /// <summary>x86 AVX-VNNI on 256-bit registers (vpdpbusd).</summary>
    AvxVnni,

    /// <summary>x86 AVX-512 BW on 512-bit registers (vpmaddubsw zmm).</summary>
    Avx512,

    /// <summary>
    /// x86 AVX-512 BW table lookups (vpermw zmm) on a layout of three weights per 5-bit index, into which the matrices
    /// are re-encoded at load; products the layout cannot serve take <see cref="Avx512"/>.
    /// </summary>
    Avx512Lookup,
}
