namespace BitNet.Runtime.KvCache;

/// <summary>Raw addresses of one layer of a compact cache: codes and scales of position p start p rows in.</summary>
internal readonly unsafe struct KvLayerView(byte* keyCodes, byte* valueCodes, float* keyScales, float* valueScales, int rowBytes, int rowScales)
{
    public byte* KeyCodes { get; } = keyCodes;

    public byte* ValueCodes { get; } = valueCodes;

    /// <summary>Null for the float types.</summary>
    public float* KeyScales { get; } = keyScales;

    /// <summary>Null for the float types.</summary>
    public float* ValueScales { get; } = valueScales;

    public int RowBytes { get; } = rowBytes;

    public int RowScales { get; } = rowScales;
}
