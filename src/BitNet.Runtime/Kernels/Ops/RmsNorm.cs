using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace BitNet.Runtime.Kernels.Ops;

/// <summary>RMSNorm: y = x / sqrt(mean(x²) + ε) · w.</summary>
public static class RmsNorm
{
    /// <summary>Normalizes <paramref name="x"/> into <paramref name="y"/> (they may be the same span).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float epsilon, Span<float> y)
    {
        if (weight.Length != x.Length || y.Length != x.Length)
            throw new ArgumentException($"RMSNorm lengths differ: x {x.Length}, weight {weight.Length}, y {y.Length}.");
        // Sum of squares in double: the mean of 6912 squares loses digits in float, and this runs once per norm, not per weight.
        double sumSquares = 0;
        foreach (var v in x) sumSquares += (double)v * v;
        var inverseRms = (float)(1.0 / Math.Sqrt(sumSquares / x.Length + epsilon));
        TensorPrimitives.Multiply(x, inverseRms, y);
        TensorPrimitives.Multiply(y, weight, y);
    }
}
