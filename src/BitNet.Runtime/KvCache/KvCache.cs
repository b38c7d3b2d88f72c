using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BitNet.Runtime.Kernels.Attention;

namespace BitNet.Runtime.KvCache;

/// <summary>
/// The keys and values of one sequence, laid out [layer][position][kvDimension] so that a layer's history is
/// contiguous for attention, stored as <see cref="Type"/>: F32 as floats, the compact types as codes (plus float
/// scales for Int8 / Int4, laid out [layer][position][scale]).
/// </summary>
public sealed unsafe class KvCache
{
    private readonly float[] _keys = [];
    private readonly float[] _values = [];
    private readonly byte[] _keyCodes = [];
    private readonly byte[] _valueCodes = [];
    private readonly float[] _keyScales = [];
    private readonly float[] _valueScales = [];
    private readonly int _layerStride;
    private readonly int _rowBytes;
    private readonly int _rowScales;

    /// <summary>Allocates an F32 cache for <paramref name="capacity"/> positions.</summary>
    public KvCache(int layers, int capacity, int kvDimension)
        : this(layers, capacity, kvDimension, kvDimension, KvCacheType.F32)
    {
    }

    /// <summary>Allocates a cache of <paramref name="type"/> for <paramref name="capacity"/> positions.</summary>
    /// <exception cref="NotSupportedException">Int4 with a head dimension that is not a multiple of 32.</exception>
    public KvCache(int layers, int capacity, int kvDimension, int headDimension, KvCacheType type)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kvDimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDimension);
        if (kvDimension % headDimension != 0)
            throw new ArgumentException($"The KV dimension {kvDimension} is not a whole number of heads of {headDimension}.", nameof(headDimension));
        KvCacheLayout.Check(type, headDimension);
        Layers = layers;
        Capacity = capacity;
        KvDimension = kvDimension;
        HeadDimension = headDimension;
        Type = type;
        if (type == KvCacheType.F32)
        {
            _layerStride = checked(capacity * kvDimension);
            _keys = new float[checked(layers * _layerStride)];
            _values = new float[_keys.Length];
            return;
        }

        // Pinned: attention reads the codes through pointers.
        _rowBytes = KvCacheLayout.CodeBytes(type, kvDimension);
        _rowScales = KvCacheLayout.Scales(type, kvDimension / headDimension, kvDimension);
        _keyCodes = GC.AllocateArray<byte>(checked(layers * capacity * _rowBytes), pinned: true);
        _valueCodes = GC.AllocateArray<byte>(_keyCodes.Length, pinned: true);
        _keyScales = GC.AllocateArray<float>(checked(layers * capacity * _rowScales), pinned: true);
        _valueScales = GC.AllocateArray<float>(_keyScales.Length, pinned: true);
    }

    /// <summary>Transformer blocks.</summary>
    public int Layers { get; }

    /// <summary>Positions the cache holds.</summary>
    public int Capacity { get; }

    /// <summary>Elements per position per layer (KV heads × head dimension).</summary>
    public int KvDimension { get; }

    /// <summary>Elements per KV head.</summary>
    public int HeadDimension { get; }

    /// <summary>The storage type of keys and values.</summary>
    public KvCacheType Type { get; }

    /// <summary>Bytes per cached token over all layers (keys and values, scales included).</summary>
    public long BytesPerToken => KvCacheLayout.BytesPerToken(Type, Layers, KvDimension / HeadDimension, HeadDimension);

    /// <summary>Stores (quantizing for a compact type) the key and value of <paramref name="position"/> in <paramref name="layer"/>.</summary>
    public void Store(int layer, int position, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        if (key.Length != KvDimension || value.Length != KvDimension)
            throw new ArgumentException($"A key and a value hold {KvDimension} elements each.");
        if (Type == KvCacheType.F32)
        {
            key.CopyTo(Key(layer, position));
            value.CopyTo(Value(layer, position));
            return;
        }
        var row = Row(layer, CheckSlot(position));
        switch (Type)
        {
            case KvCacheType.F16: Encode<Float16KvFormat>(row, key, value); break;
            case KvCacheType.BF16: Encode<BFloat16KvFormat>(row, key, value); break;
            case KvCacheType.Fp8E4M3: Encode<Fp8E4M3KvFormat>(row, key, value); break;
            case KvCacheType.Fp8E5M2: Encode<Fp8E5M2KvFormat>(row, key, value); break;
            case KvCacheType.Int8: Encode<Int8KvFormat>(row, key, value); break;
            default: Encode<Int4KvFormat>(row, key, value); break;
        }
    }

    /// <summary>The key slot of <paramref name="position"/> in <paramref name="layer"/> (F32 only).</summary>
    public Span<float> Key(int layer, int position) => F32(_keys).AsSpan(Offset(layer, CheckSlot(position)), KvDimension);

    /// <summary>The value slot of <paramref name="position"/> in <paramref name="layer"/> (F32 only).</summary>
    public Span<float> Value(int layer, int position) => F32(_values).AsSpan(Offset(layer, CheckSlot(position)), KvDimension);

    /// <summary>The keys of positions [0, <paramref name="count"/>) in <paramref name="layer"/> (F32 only).</summary>
    public ReadOnlySpan<float> Keys(int layer, int count) => F32(_keys).AsSpan(Offset(layer, 0), count * KvDimension);

    /// <summary>The values of positions [0, <paramref name="count"/>) in <paramref name="layer"/> (F32 only).</summary>
    public ReadOnlySpan<float> Values(int layer, int count) => F32(_values).AsSpan(Offset(layer, 0), count * KvDimension);

    /// <summary>Bytes of one position's codes in one layer (compact types).</summary>
    internal int RowBytes => _rowBytes;

    /// <summary>Scales of one position in one layer (compact types; 0 for the float ones).</summary>
    internal int RowScales => _rowScales;

    /// <summary>Where <paramref name="layer"/>'s codes and scales start (compact types; unchecked, for the attention kernels).</summary>
    internal KvLayerView Layer(int layer)
    {
        if ((uint)layer >= (uint)Layers) throw new ArgumentOutOfRangeException(nameof(layer));
        var row = (long)layer * Capacity;
        return new KvLayerView(
            Address(_keyCodes) + row * _rowBytes, Address(_valueCodes) + row * _rowBytes,
            _rowScales == 0 ? null : AddressOf(_keyScales) + row * _rowScales,
            _rowScales == 0 ? null : AddressOf(_valueScales) + row * _rowScales,
            _rowBytes, _rowScales);
    }

    private void Encode<TFormat>(long row, ReadOnlySpan<float> key, ReadOnlySpan<float> value) where TFormat : struct, IKvElementFormat
    {
        int heads = KvDimension / HeadDimension, headBytes = _rowBytes / heads, headScales = _rowScales / heads;
        byte* keyCodes = Address(_keyCodes) + row * _rowBytes, valueCodes = Address(_valueCodes) + row * _rowBytes;
        float* keyScales = _rowScales == 0 ? null : AddressOf(_keyScales) + row * _rowScales;
        float* valueScales = _rowScales == 0 ? null : AddressOf(_valueScales) + row * _rowScales;
        for (var h = 0; h < heads; h++)
        {
            TFormat.Encode(key.Slice(h * HeadDimension, HeadDimension), keyCodes + h * headBytes, keyScales + h * headScales);
            TFormat.Encode(value.Slice(h * HeadDimension, HeadDimension), valueCodes + h * headBytes, valueScales + h * headScales);
        }
    }

    private long Row(int layer, int position)
    {
        if ((uint)layer >= (uint)Layers) throw new ArgumentOutOfRangeException(nameof(layer));
        return (long)layer * Capacity + position;
    }

    private float[] F32(float[] storage) => Type == KvCacheType.F32
        ? storage
        : throw new InvalidOperationException($"This KV cache stores {Type}; float slots exist only in an F32 cache. Use Store to write it.");

    private static byte* Address(byte[] pinned) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));

    private static float* AddressOf(float[] pinned) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));

    private int CheckSlot(int position) =>
        (uint)position < (uint)Capacity ? position : throw new ArgumentOutOfRangeException(nameof(position), position, $"The KV cache holds {Capacity} positions.");

    private int Offset(int layer, int position)
    {
        if ((uint)layer >= (uint)Layers) throw new ArgumentOutOfRangeException(nameof(layer));
        if ((uint)position > (uint)Capacity) throw new ArgumentOutOfRangeException(nameof(position), position, $"The KV cache holds {Capacity} positions.");
        return layer * _layerStride + position * KvDimension;
    }
}
