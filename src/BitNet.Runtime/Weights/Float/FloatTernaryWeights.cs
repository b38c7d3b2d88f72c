using System.Numerics.Tensors;
using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Weights.Float;

/// <summary>Loads F32, F16 and BF16 masters of ternary projections into <see cref="PackedTernaryMatrix"/>.</summary>
/// <remarks>
/// The ternary values and the per-tensor scale come from <see cref="FloatTensorReader"/>'s one rule (the same as
/// <see cref="FloatTensorReader.ReadTernaryValues"/>): an already-ternary tensor {−s, 0, +s} is recovered exactly as sign(W)
/// and s = max|W|; any other tensor is ternarized by absmean.
/// </remarks>
public static class FloatTernaryWeights
{
    /// <summary>Loads a float master as packed ternary weights.</summary>
    /// <exception cref="NotSupportedException">The tensor is not F32, F16 or BF16.</exception>
    /// <exception cref="GgufFormatException">A weight is NaN or infinite.</exception>
    public static PackedTernaryMatrix Load(GgufFile file, GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tensor);
        var (rows, columns) = TernaryWeights.Shape(tensor);
        var values = FloatTensorReader.ReadTernaryValues(file, tensor, out var scale);
        return Pack(tensor.Name, rows, columns, values, scale);
    }

    /// <summary>Packs ternary values (each −1, 0 or +1 as float, row-major) with their per-tensor scale.</summary>
    internal static PackedTernaryMatrix Pack(string name, int rows, int columns, ReadOnlySpan<float> values, float scale)
    {
        if (values.Length != (long)rows * columns)
            throw new ArgumentException($"{name}: {values.Length} values do not form a {rows} × {columns} matrix.", nameof(values));
        var matrix = new PackedTernaryMatrix(name, rows, columns, scale);
        try
        {
            var row = new sbyte[columns];
            for (var r = 0; r < rows; r++)
            {
                var src = values.Slice(r * columns, columns);
                TensorPrimitives.ConvertTruncating(src, row.AsSpan());
                matrix.SetRow(r, row);
            }
            return matrix;
        }
        catch
        {
            matrix.Dispose();
            throw;
        }
    }
}
