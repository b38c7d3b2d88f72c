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
        switch (tensor.Type)
        {
            case GgufTensorType.F32:
                file.GetTensorData<float>(tensor).CopyTo(destination);
                break;
            case GgufTensorType.F16:
                TensorPrimitives.ConvertToSingle(file.GetTensorData<Half>(tensor), destination);
                break;
            case GgufTensorType.BF16:
                // bfloat16 is the top half of a float32.
                var raw = file.GetTensorData<ushort>(tensor);
                var bits = MemoryMarshal.Cast<float, uint>(destination);
                for (var i = 0; i < raw.Length; i++) bits[i] = (uint)raw[i] << 16;
                break;
            default:
                throw new NotSupportedException($"Tensor '{tensor.Name}' is {tensor.Type}; expected F32, F16 or BF16.");
        }
    }

    /// <summary>
    /// Loads a float master as a ternary matrix. A tensor that is already ternary ({-s, 0, +s}, as converters write
    /// BitNet weights) is recovered exactly as sign(W) · max|W|; re-applying absmean would shrink every weight by the
    /// fraction of non-zeros. A true float master is ternarized by absmean: s = mean|W|, Q = clamp(round(W / s), -1, 1).
    /// </summary>
    /// <remarks>The packed path (<see cref="FloatTernaryWeights"/>) applies the same rules through the same code.</remarks>
    public static TernaryMatrix ReadTernary(GgufFile file, GgufTensorInfo tensor)
    {
        var values = ReadTernaryValues(file, tensor, out var scale);
        return new TernaryMatrix(tensor.Name, checked((int)tensor.RowCount), checked((int)tensor.RowLength), values, scale);
    }

    /// <summary>Reads a float master and ternarizes it (<see cref="Ternarize"/>): the values (-1, 0 or +1, row-major) and the scale.</summary>
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
        var max = 0f;
        var alreadyTernary = true;
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
                throw new GgufFormatException(name, offset, $"the weights contain a non-finite value ({v}).", source);
            var a = MathF.Abs(v);
            if (a > max)
            {
                if (max != 0) alreadyTernary = false;
                max = a;
            }
            else if (a != 0 && a != max)
            {
                alreadyTernary = false;
            }
        }

        if (alreadyTernary)
        {
            for (var i = 0; i < values.Length; i++) values[i] = MathF.Sign(values[i]);
            return max;
        }

        var scale = TensorPrimitives.SumOfMagnitudes(values) / values.Length;
        var inverse = scale > 0 ? 1f / scale : 0f;
        for (var i = 0; i < values.Length; i++) values[i] = Math.Clamp(MathF.Round(values[i] * inverse), -1f, 1f);
        return scale;
    }
}
