using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Weights.Float;

/// <summary>Reads F32, F16 and BF16 tensors into float, and turns float masters into ternary matrices.</summary>
public static class FloatTensorReader
{
    /// <summary>Whether the tensor type is a float type this reader handles.</summary>
    public static bool IsFloat(GgufTensorType type) => type is GgufTensorType.F32 or GgufTensorType.F16 or GgufTensorType.BF16;

    /// <summary>Converts a whole F32/F16/BF16 tensor to a new float array.</summary>
    /// <exception cref="NotSupportedException">The tensor is of another type.</exception>
    public static float[] ReadAll(GgufFile file, GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tensor);
        var result = new float[checked((int)tensor.ElementCount)];
        Read(file, tensor, result);
        return result;
    }

    /// <summary>Converts a whole F32/F16/BF16 tensor into <paramref name="destination"/>.</summary>
    public static void Read(GgufFile file, GgufTensorInfo tensor, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tensor);
        if (destination.Length != tensor.ElementCount)
            throw new ArgumentException($"Destination holds {destination.Length} floats, tensor '{tensor.Name}' has {tensor.ElementCount}.", nameof(destination));
        if (!IsFloat(tensor.Type))
            throw new NotSupportedException($"Tensor '{tensor.Name}' is {tensor.Type}; expected F32, F16 or BF16.");
        Widen(tensor.Type, file.GetTensorBytes(tensor), destination);
    }

    /// <summary>Converts F32/F16/BF16 values stored as <paramref name="type"/> in <paramref name="source"/> into <paramref name="destination"/> (same count).</summary>
    internal static void Widen(GgufTensorType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (type)
        {
            case GgufTensorType.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case GgufTensorType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            default:
                // bfloat16 is the top half of a float32.
                var raw = MemoryMarshal.Cast<byte, ushort>(source);
                var bits = MemoryMarshal.Cast<float, uint>(destination);
                for (var i = 0; i < raw.Length; i++) bits[i] = (uint)raw[i] << 16;
                break;
        }
    }

    /// <summary>
    /// Reads a float master as ternary values (−1, 0, +1 as floats, row-major) and their scale. A tensor that is already
    /// ternary ({-s, 0, +s}, as converters write BitNet weights) is recovered exactly as sign(W) · max|W|; re-applying
    /// absmean would shrink every weight by the fraction of non-zeros. A true float master is ternarized by absmean:
    /// s = mean|W|, Q = clamp(round(W / s), -1, 1).
    /// </summary>
    internal static float[] ReadTernaryValues(GgufFile file, GgufTensorInfo tensor, out float scale)
    {
        var values = ReadAll(file, tensor);
        scale = Ternarize(values, tensor.Name, tensor.DataOffset, file.SourceName);
        return values;
    }

    /// <summary>
    /// The engine's one float → ternary rule, in place: replaces every weight by its ternary value and returns the scale.
    /// Already-ternary weights ({-s, 0, +s}) give sign(W) and s = max|W| exactly; any other tensor is ternarized by
    /// absmean (s = mean|W|, Q = clamp(round(W / s), -1, 1)).
    /// </summary>
    /// <exception cref="GgufFormatException">A weight is NaN or infinite (named by <paramref name="name"/>, <paramref name="offset"/>).</exception>
    internal static float Ternarize(Span<float> values, string name, long offset, string? source)
    {
        var max = MaxMagnitude(values, name, offset, source);
        if (IsTernary(values, max))
        {
            // v / max is exactly -1, ±0 or +1; adding +0 turns -0 into +0 (sign(-0) = 0).
            if (max > 0) TensorPrimitives.Divide(values, max, values);
            TensorPrimitives.Add(values, 0f, values);
            return max;
        }

        var scale = TensorPrimitives.SumOfMagnitudes(values) / values.Length;
        var inverse = scale > 0 ? 1f / scale : 0f;
        // clamp(round(v / s), -1, 1) with round half to even, as MathF.Round.
        TensorPrimitives.Multiply(values, inverse, values);
        TensorPrimitives.Round(values, values);
        TensorPrimitives.Max(values, -1f, values);
        TensorPrimitives.Min(values, 1f, values);
        return scale;
    }

    /// <summary>max|v|, after checking that every value is finite.</summary>
    private static float MaxMagnitude(ReadOnlySpan<float> values, string name, long offset, string? source)
    {
        var maxV = Vector<float>.Zero;
        var probe = Vector<float>.Zero;   // Σ v · 0: ±0 while every value is finite, NaN after an infinity or a NaN
        var i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(values[i..]);
            maxV = Vector.Max(maxV, Vector.Abs(v));
            probe += v * Vector<float>.Zero;
        }
        var max = 0f;
        var finite = float.IsFinite(Vector.Sum(probe));
        for (var k = 0; k < Vector<float>.Count; k++) max = MathF.Max(max, maxV[k]);
        for (; i < values.Length; i++)
        {
            finite &= float.IsFinite(values[i]);
            max = MathF.Max(max, MathF.Abs(values[i]));
        }
        if (!finite)
        {
            foreach (var v in values)
                if (!float.IsFinite(v))
                    throw new GgufFormatException(name, offset, $"the weights contain a non-finite value ({v}).", source);
        }
        return max;
    }

    /// <summary>Whether every |v| is 0 or <paramref name="max"/>.</summary>
    private static bool IsTernary(ReadOnlySpan<float> values, float max)
    {
        var maxV = new Vector<float>(max);
        var i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var a = Vector.Abs(new Vector<float>(values[i..]));
            if ((Vector.Equals(a, Vector<float>.Zero) | Vector.Equals(a, maxV)) != Vector<int>.AllBitsSet) return false;
        }
        for (; i < values.Length; i++)
        {
            var a = MathF.Abs(values[i]);
            if (a != 0 && a != max) return false;
        }
        return true;
    }
}
