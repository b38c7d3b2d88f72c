using System.Runtime.Intrinsics;
using BitNet.Runtime.KvCache;

namespace BitNet.Runtime.Kernels.Attention;

/// <summary>
/// How one compact KV cache type stores a head's row: the quantizer, a plain scalar decoder (the reference) and vector
/// decoders for the attention kernels. Element indices are relative to the start of the head's row.
/// </summary>
/// <remarks>
/// The kernels are generic over the format (a struct type argument), so the JIT specializes each loop per type and the
/// decode calls inline. Scaled formats return the integer code; the kernels apply the scale once per group.
/// </remarks>
internal unsafe interface IKvElementFormat
{
    /// <summary>The cache type this format implements.</summary>
    static abstract KvCacheType Type { get; }

    /// <summary>Elements that share one scale in a head of <paramref name="headDimension"/>; 0 when the format has no scales.</summary>
    static abstract int GroupLength(int headDimension);

    /// <summary>Quantizes one head's row into <paramref name="codes"/> (and its scales).</summary>
    static abstract void Encode(ReadOnlySpan<float> row, byte* codes, float* scales);

    /// <summary>The reference decoder: element <paramref name="index"/>, unscaled, by plain arithmetic.</summary>
    static abstract float Decode(byte* codes, int index);

    /// <summary>Elements [index, index + 16), unscaled (AVX-512; Int4 needs index % 16 == 0).</summary>
    static abstract Vector512<float> Decode16(byte* codes, int index);

    /// <summary>Elements [index, index + 8), unscaled (AVX2; Int4 needs index % 8 == 0).</summary>
    static abstract Vector256<float> Decode8(byte* codes, int index);
}
