namespace BitNet.Runtime.KvCache;

/// <summary>
/// The precision the KV cache stores keys and values in. Attention reads the chosen type directly (it dequantizes
/// inside its dot products), so a smaller type means fewer bytes per token, both held and streamed per decoded token.
/// </summary>
public enum KvCacheType
{
    /// <summary>32-bit floats: exact, 4 bytes per element. The default.</summary>
    F32 = 0,

    /// <summary>IEEE half precision (the <see cref="Half"/> conversion, values beyond ±65504 saturate): 2 bytes per element.</summary>
    F16,

    /// <summary>bfloat16 (float's top 16 bits, rounded to nearest even): 2 bytes per element.</summary>
    BF16,

    /// <summary>OCP FP8 E4M3 (4 exponent bits, 3 mantissa bits, largest ±448, no infinity; rounded to nearest even and saturated): 1 byte per element.</summary>
    Fp8E4M3,

    /// <summary>OCP FP8 E5M2 (5 exponent bits, 2 mantissa bits, largest finite ±57344; rounded to nearest even and saturated): 1 byte per element.</summary>
    Fp8E5M2,

    /// <summary>Symmetric int8 with one float scale (absmax / 127) per KV head per token: 1 byte per element plus 4 bytes per head.</summary>
    Int8,

    /// <summary>Symmetric int4 (−7..7) with one float scale (absmax / 7) per group of 32 elements, two elements per byte: 0.625 bytes per element.</summary>
    Int4,

    /// <summary>An alias of <see cref="Fp8E4M3"/> (the same value): "FP8" without a qualifier usually means E4M3, the variant with more precision.</summary>
    Fp8 = Fp8E4M3,
}
