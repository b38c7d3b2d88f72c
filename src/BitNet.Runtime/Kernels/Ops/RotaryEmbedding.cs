using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
namespace BitNet.Runtime.Kernels.Ops;

/// <summary>
/// Rotary position embedding in the NEOX ("rotate_half") layout: within each head, element i is paired with
/// element i + d/2 and the pair is rotated by pos · θ^(-2i/d). This is the layout llama.cpp assigns to BitNet and HF's
/// <c>apply_rotary_pos_emb</c>; q and k are not permuted in the GGUF.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly float[] _cos;
    private readonly float[] _sin;

    /// <summary>Precomputes the rotation table for positions [0, <paramref name="maxPositions"/>).</summary>
    public RotaryEmbedding(int headDimension, int maxPositions, float theta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(headDimension, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPositions);
        if (headDimension % 2 != 0) throw new ArgumentException("The head dimension must be even.", nameof(headDimension));
        HeadDimension = headDimension;
        MaxPositions = maxPositions;
        var half = headDimension / 2;
        _cos = new float[checked(maxPositions * half)];
        _sin = new float[_cos.Length];
        for (var pos = 0; pos < maxPositions; pos++)
        {
            for (var i = 0; i < half; i++)
            {
                // Angles in double: at θ = 500000 and long positions float angles drift by more than the test tolerances.
                var frequency = Math.Pow(theta, -2.0 * i / headDimension);
                var angle = pos * frequency;
                _cos[pos * half + i] = (float)Math.Cos(angle);
                _sin[pos * half + i] = (float)Math.Sin(angle);
            }
        }
    }

    /// <summary>Elements per head.</summary>
    public int HeadDimension { get; }

    /// <summary>Positions the table covers.</summary>
    public int MaxPositions { get; }

    /// <summary>Rotates every head of <paramref name="heads"/> (a multiple of the head dimension) in place for <paramref name="position"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(Span<float> heads, int position)
    {
        if ((uint)position >= (uint)MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"Position must be below {MaxPositions}.");
        if (heads.Length % HeadDimension != 0)
            throw new ArgumentException($"Length {heads.Length} is not a multiple of the head dimension {HeadDimension}.", nameof(heads));
        var half = HeadDimension / 2;
        var cos = _cos.AsSpan(position * half, half);
        var sin = _sin.AsSpan(position * half, half);
        for (var h = 0; h < heads.Length; h += HeadDimension)
        {
            var head = heads.Slice(h, HeadDimension);
            var i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                // Separate multiplies and subtractions (no fused multiply-add): bit-identical to the scalar loop below.
                ref var first = ref MemoryMarshal.GetReference(head);
                ref var c = ref MemoryMarshal.GetReference(cos);
                ref var sn = ref MemoryMarshal.GetReference(sin);
                for (; i + Vector256<float>.Count <= half; i += Vector256<float>.Count)
                {
                    var x0 = Vector256.LoadUnsafe(ref first, (nuint)i);
                    var x1 = Vector256.LoadUnsafe(ref first, (nuint)(i + half));
                    var cv = Vector256.LoadUnsafe(ref c, (nuint)i);
                    var sv = Vector256.LoadUnsafe(ref sn, (nuint)i);
                    (x0 * cv - x1 * sv).StoreUnsafe(ref first, (nuint)i);
                    (x0 * sv + x1 * cv).StoreUnsafe(ref first, (nuint)(i + half));
                }
            }
            for (; i < half; i++)
            {
                var x0 = head[i];
                var x1 = head[i + half];
                head[i] = x0 * cos[i] - x1 * sin[i];
                head[i + half] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }
}
