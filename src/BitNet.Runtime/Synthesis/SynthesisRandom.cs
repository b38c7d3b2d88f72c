using System.Buffers.Binary;
using System.Numerics;

namespace BitNet.Runtime.Synthesis;

/// <summary>
/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64 from a seed and a stream number: fast (8 bytes per
/// step), and fixed by this code, so a seed gives the same bytes on every machine and .NET version (unlike
/// <see cref="Random"/>, whose seeded algorithm is an implementation detail).
/// </summary>
internal sealed class SynthesisRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SynthesisRandom(ulong seed, ulong stream)
    {
        var x = seed ^ (stream * 0xD1B54A32D192ED03UL);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

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

    /// <summary>Uniform in [0, 1).</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Fills <paramref name="destination"/> with random bytes (little-endian words, so the bytes do not depend on the machine).</summary>
    public void Fill(Span<byte> destination)
    {
        var i = 0;
        for (; i + 8 <= destination.Length; i += 8) BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], NextUInt64());
        if (i < destination.Length)
        {
            Span<byte> last = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(last, NextUInt64());
            last[..(destination.Length - i)].CopyTo(destination[i..]);
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
