using System.Buffers.Binary;
using BitNet.Runtime.Sampling;

namespace BitNet.Runtime.Synthesis;

/// <summary>
/// The synthesizer's random source: the sampler's <see cref="Xoshiro256StarStar"/>, one independent stream per tensor,
/// so a seed gives the same bytes on every machine and .NET version (unlike <see cref="Random"/>, whose seeded
/// algorithm is an implementation detail).
/// </summary>
internal sealed class SynthesisRandom
{
    private Xoshiro256StarStar _generator;

    public SynthesisRandom(ulong seed, ulong stream) => _generator = new Xoshiro256StarStar(seed ^ (stream * 0xD1B54A32D192ED03UL));

    public ulong NextUInt64() => _generator.NextUInt64();

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
}
