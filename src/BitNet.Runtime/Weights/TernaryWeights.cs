using System.Buffers.Binary;
using System.Collections.Frozen;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Weights.Float;
using BitNet.Runtime.Weights.I2S;
using BitNet.Runtime.Weights.TQ1_0;
using BitNet.Runtime.Weights.TQ2_0;

namespace BitNet.Runtime.Weights;

/// <summary>
/// The single registration point for ternary weight formats (the engine's counterpart of ggml's type-traits table):
/// every storage type a projection may use maps to the loader that repacks it into <see cref="PackedTernaryMatrix"/>.
/// </summary>
/// <remarks>
/// <para>Each format lives in its own folder: <c>Float/</c> (F32, F16, BF16 masters), <c>I2S/</c> (bitnet.cpp I2_S),
/// <c>TQ1_0/</c> and <c>TQ2_0/</c> (ggml). Adding a format means adding its loader there and one line here.</para>
/// <para>Every loader is lossless: the packed values times their scale equal what the format's own dequantization
/// gives.</para>
/// </remarks>
public static class TernaryWeights
{
    private static readonly FrozenDictionary<GgufTensorType, Func<GgufFile, GgufTensorInfo, PackedTernaryMatrix>> s_loaders =
        new Dictionary<GgufTensorType, Func<GgufFile, GgufTensorInfo, PackedTernaryMatrix>>
        {
            [GgufTensorType.F32] = FloatTernaryWeights.Load,
            [GgufTensorType.F16] = FloatTernaryWeights.Load,
            [GgufTensorType.BF16] = FloatTernaryWeights.Load,
            [GgufTensorType.I2_S] = I2SWeights.Load,
            [GgufTensorType.TQ1_0] = TQ1_0Weights.Load,
            [GgufTensorType.TQ2_0] = TQ2_0Weights.Load,
        }.ToFrozenDictionary();

    private static readonly GgufTensorType[] s_supported = [.. s_loaders.Keys.Order()];

    /// <summary>The storage types <see cref="Load"/> accepts, in type-id order.</summary>
    public static IReadOnlyList<GgufTensorType> SupportedTypes => s_supported;

    /// <summary>Whether <see cref="Load"/> accepts tensors of this type.</summary>
    public static bool IsSupported(GgufTensorType type) => s_loaders.ContainsKey(type);

    /// <summary>Loads a projection tensor of any supported type into the engine's packed ternary layout.</summary>
    /// <exception cref="NotSupportedException">The tensor's type has no ternary loader.</exception>
    /// <exception cref="GgufFormatException">The tensor's data is not valid for its type (the message names the tensor and byte).</exception>
    public static PackedTernaryMatrix Load(GgufFile file, GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tensor);
        if (!s_loaders.TryGetValue(tensor.Type, out var load))
            throw new NotSupportedException(
                $"Tensor '{tensor.Name}' is stored as {tensor.Type} (type id {(uint)tensor.Type}), which has no ternary loader; " +
                $"supported types: {string.Join(", ", s_supported)}.");
        return load(file, tensor);
    }

    // ---- Helpers shared by the format loaders.

    /// <summary>The tensor's rows and row length as ints, or <see cref="NotSupportedException"/>.</summary>
    internal static (int Rows, int Columns) Shape(GgufTensorInfo tensor)
    {
        if (tensor.RowLength > int.MaxValue || tensor.RowCount > int.MaxValue)
            throw new NotSupportedException($"Tensor '{tensor.Name}' ({tensor.RowCount} rows of {tensor.RowLength}) is larger than a packed ternary matrix can hold.");
        return ((int)tensor.RowCount, (int)tensor.RowLength);
    }

    /// <summary>Throws unless <paramref name="type"/> is what the calling loader reads.</summary>
    internal static void Expect(GgufTensorInfo tensor, GgufTensorType type)
    {
        if (tensor.Type != type)
            throw new ArgumentException($"Tensor '{tensor.Name}' is {tensor.Type}, not {type}; load it through {nameof(TernaryWeights)}.{nameof(Load)}.", nameof(tensor));
    }

    /// <summary>Checks the common geometry of a span-decoded tensor: positive shape, whole blocks per row, enough bytes.</summary>
    internal static void CheckGeometry(string format, string name, int rows, int columns, int blockElements, long requiredBytes, int actualBytes, long dataOffset, string? source)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (columns % blockElements != 0)
            throw new GgufFormatException(name, dataOffset, $"{format} stores blocks of {blockElements} elements, but the row length is {columns}.", source);
        if (actualBytes < requiredBytes)
            throw new GgufFormatException(name, dataOffset, $"{format} data of {rows} rows of {columns} needs {requiredBytes} bytes, but only {actualBytes} are present.", source);
    }

    /// <summary>
    /// Reads the fp16 scale stored at <paramref name="scaleOffset"/> in each of <paramref name="blockCount"/> blocks of
    /// <paramref name="blockBytes"/>, requiring each to be finite and ≥ 0.
    /// </summary>
    internal static float[] ReadHalfBlockScales(string format, string name, ReadOnlySpan<byte> data, int blockCount, int blockBytes, int scaleOffset, long dataOffset, string? source)
    {
        var scales = new float[blockCount];
        for (var i = 0; i < scales.Length; i++)
        {
            var at = i * blockBytes + scaleOffset;
            var d = (float)BinaryPrimitives.ReadHalfLittleEndian(data.Slice(at, 2));
            if (!float.IsFinite(d) || d < 0)
                throw new GgufFormatException(name, dataOffset + at, $"{format} block {i} has the scale {d}; expected a finite value ≥ 0.", source);
            scales[i] = d == 0 ? 0f : d; // -0 → +0
        }
        return scales;
    }

    /// <summary>
    /// Allocates the matrix for per-block scales: one per-tensor <see cref="PackedTernaryMatrix.Scale"/> when every
    /// non-zero block scale is the same value (blocks with scale 0 are decoded as all-zero, so they do not need it);
    /// otherwise <see cref="PackedTernaryMatrix.BlockScales"/> carries them all and <see cref="PackedTernaryMatrix.Scale"/>
    /// is NaN, so that a consumer ignoring the block scales fails loudly.
    /// </summary>
    internal static PackedTernaryMatrix CreateForBlockScales(string name, int rows, int columns, float[] scales)
    {
        var common = 0f;
        foreach (var s in scales)
        {
            if (s == 0) continue;
            if (common == 0) common = s;
            else if (s != common) return new PackedTernaryMatrix(name, rows, columns, float.NaN, scales);
        }
        return new PackedTernaryMatrix(name, rows, columns, common);
    }
}
