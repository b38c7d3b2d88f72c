using System.Numerics.Tensors;

namespace BitNet.Runtime.Weights;

/// <summary>
/// A ternary weight matrix W = Scale · Q with Q ∈ {-1, 0, +1}, stored row-major: <see cref="Rows"/> output features of
/// <see cref="Columns"/> input features each.
/// </summary>
/// <remarks>
/// This is the engine's reference layout: one float per weight (the ternary value), so the product runs through
/// <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>. Packed 2-bit layouts and their
/// dedicated kernels replace it for speed; this one is the specification they are tested against.
/// </remarks>
public sealed class TernaryMatrix
{
    private readonly float[] _values;

    /// <summary>Wraps ternary values (each -1, 0 or +1) and their scale.</summary>
    public TernaryMatrix(string name, int rows, int columns, float[] values, float scale)
    {
        ArgumentNullException.ThrowIfNull(values);
        if ((long)rows * columns != values.Length)
            throw new ArgumentException($"{name}: {values.Length} values do not form a {rows} × {columns} matrix.", nameof(values));
        Name = name;
        Rows = rows;
        Columns = columns;
        _values = values;
        Scale = scale;
    }

    /// <summary>The tensor name the weights came from.</summary>
    public string Name { get; }

    /// <summary>Output features.</summary>
    public int Rows { get; }

    /// <summary>Input features.</summary>
    public int Columns { get; }

    /// <summary>The per-tensor scale s (W = s · Q).</summary>
    public float Scale { get; }

    /// <summary>The ternary values, row-major.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>The ternary value at (row, column).</summary>
    public int this[int row, int column] => (int)_values[row * Columns + column];

    /// <summary>
    /// y = (Q · x) · <paramref name="outputScale"/>. With float activations pass <see cref="Scale"/>; with int8
    /// activations pass <see cref="Scale"/> / c. Sums of int8 × ternary stay below 2^24, so they are exact in float.
    /// </summary>
    public void MultiplyVector(ReadOnlySpan<float> x, Span<float> y, float outputScale)
    {
        if (x.Length != Columns) throw new ArgumentException($"{Name}: input has {x.Length} elements, expected {Columns}.", nameof(x));
        if (y.Length != Rows) throw new ArgumentException($"{Name}: output has {y.Length} elements, expected {Rows}.", nameof(y));
        var values = _values.AsSpan();
        for (var r = 0; r < Rows; r++)
            y[r] = TensorPrimitives.Dot(values.Slice(r * Columns, Columns), x) * outputScale;
    }
}
