namespace BitNet.Runtime.KvCache;

/// <summary>The byte layout of one token's keys (or values) in one layer, per <see cref="KvCacheType"/>.</summary>
public static class KvCacheLayout
{
    /// <summary>Elements that share one Int4 scale.</summary>
    public const int Int4GroupLength = 32;

    /// <summary>Bytes of one element's code (Int4 packs two elements per byte and is reported as 0).</summary>
    internal static int ElementBytes(KvCacheType type) => type switch
    {
        KvCacheType.F32 => 4,
        KvCacheType.F16 or KvCacheType.BF16 => 2,
        KvCacheType.Fp8E4M3 or KvCacheType.Fp8E5M2 or KvCacheType.Int8 => 1,
        _ => 0,
    };

    /// <summary>Bytes of the codes of one row of <paramref name="kvDimension"/> elements.</summary>
    public static int CodeBytes(KvCacheType type, int kvDimension) =>
        type == KvCacheType.Int4 ? kvDimension / 2 : ElementBytes(type) * kvDimension;

    /// <summary>Float scales per row: one per KV head (Int8), one per 32 elements (Int4), none otherwise.</summary>
    public static int Scales(KvCacheType type, int kvHeads, int kvDimension) => type switch
    {
        KvCacheType.Int8 => kvHeads,
        KvCacheType.Int4 => kvDimension / Int4GroupLength,
        _ => 0,
    };

    /// <summary>
    /// The exact bytes the cache holds per token over all layers, keys and values, scales included:
    /// 2 · layers · (code bytes + 4 · scales).
    /// </summary>
    public static long BytesPerToken(KvCacheType type, int layers, int kvHeads, int headDimension)
    {
        var kvDimension = kvHeads * headDimension;
        return 2L * layers * (CodeBytes(type, kvDimension) + sizeof(float) * (long)Scales(type, kvHeads, kvDimension));
    }

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> when <paramref name="type"/> is not a defined value, or
    /// <see cref="NotSupportedException"/> when the model's head dimension does not suit it (Int4 needs whole groups of 32).
    /// </summary>
    public static void Check(KvCacheType type, int headDimension)
    {
        if (!Enum.IsDefined(type))
            throw new ArgumentOutOfRangeException(nameof(type), type, $"Unknown KV cache type. Allowed: {string.Join(", ", Enum.GetNames<KvCacheType>())}.");
        if (type == KvCacheType.Int4 && headDimension % Int4GroupLength != 0)
            throw new NotSupportedException(
                $"The Int4 KV cache quantizes groups of {Int4GroupLength} elements within a head, but this model's head dimension is {headDimension}. Use Int8 or an FP8 type instead.");
    }
}
