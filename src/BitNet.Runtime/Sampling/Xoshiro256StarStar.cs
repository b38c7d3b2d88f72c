using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace BitNet.Runtime.Sampling;

/// <summary>
/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64. Our own generator rather than <see cref="Random"/>
/// because its output is fixed by the algorithm, so a seed gives the same stream on every .NET version and platform.
/// </summary>
/// <remarks>A mutable struct: keep it in a non-readonly field so calls advance the stored state, not a copy.</remarks>
internal struct Xoshiro256StarStar
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the state with four SplitMix64 outputs of <paramref name="seed"/> (never all zero).</summary>
    public Xoshiro256StarStar(ulong seed)
    {
        var sm = seed;
        _s0 = SplitMix64(ref sm);
        _s1 = SplitMix64(ref sm);
        _s2 = SplitMix64(ref sm);
        _s3 = SplitMix64(ref sm);
    }

    /// <summary>Uses the raw state as given (for test vectors); it must not be all zero.</summary>
    public Xoshiro256StarStar(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        if ((s0 | s1 | s2 | s3) == 0)
            throw new ArgumentException("The xoshiro256** state must not be all zero.");
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>A seed from the operating system's cryptographic random source.</summary>
    public static ulong RandomSeed()
    {
        Span<ulong> seed = stackalloc ulong[1];
        RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(seed));
        return seed[0];
    }

    /// <summary>One SplitMix64 step: advances <paramref name="state"/> and returns the mixed output.</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) from the top 53 bits (every value a multiple of 2^-53).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
