namespace BitNet.Runtime.KvCache;

/// <summary>
/// The keys and values of one sequence, F32, laid out [layer][position][kvDimension] so that a layer's history is
/// contiguous for attention.
/// </summary>
public sealed class KvCache
{
    private readonly float[] _keys;
    private readonly float[] _values;
    private readonly int _layerStride;

    /// <summary>Allocates a cache for <paramref name="capacity"/> positions.</summary>
    public KvCache(int layers, int capacity, int kvDimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kvDimension);
        Layers = layers;
        Capacity = capacity;
        KvDimension = kvDimension;
        _layerStride = checked(capacity * kvDimension);
        _keys = new float[checked(layers * _layerStride)];
        _values = new float[_keys.Length];
    }

    /// <summary>Transformer blocks.</summary>
    public int Layers { get; }

    /// <summary>Positions the cache holds.</summary>
    public int Capacity { get; }

    /// <summary>Floats per position per layer (KV heads × head dimension).</summary>
    public int KvDimension { get; }

    /// <summary>Bytes per cached token over all layers (keys and values).</summary>
    public long BytesPerToken => 2L * Layers * KvDimension * sizeof(float);

    /// <summary>The key slot of <paramref name="position"/> in <paramref name="layer"/>.</summary>
    public Span<float> Key(int layer, int position) => _keys.AsSpan(Offset(layer, CheckSlot(position)), KvDimension);

    /// <summary>The value slot of <paramref name="position"/> in <paramref name="layer"/>.</summary>
    public Span<float> Value(int layer, int position) => _values.AsSpan(Offset(layer, CheckSlot(position)), KvDimension);

    /// <summary>The keys of positions [0, <paramref name="count"/>) in <paramref name="layer"/>.</summary>
    public ReadOnlySpan<float> Keys(int layer, int count) => _keys.AsSpan(Offset(layer, 0), count * KvDimension);

    /// <summary>The values of positions [0, <paramref name="count"/>) in <paramref name="layer"/>.</summary>
    public ReadOnlySpan<float> Values(int layer, int count) => _values.AsSpan(Offset(layer, 0), count * KvDimension);

    private int CheckSlot(int position) =>
        (uint)position < (uint)Capacity ? position : throw new ArgumentOutOfRangeException(nameof(position), position, $"The KV cache holds {Capacity} positions.");

    private int Offset(int layer, int position)
    {
        if ((uint)layer >= (uint)Layers) throw new ArgumentOutOfRangeException(nameof(layer));
        if ((uint)position > (uint)Capacity) throw new ArgumentOutOfRangeException(nameof(position), position, $"The KV cache holds {Capacity} positions.");
        return layer * _layerStride + position * KvDimension;
    }
}
