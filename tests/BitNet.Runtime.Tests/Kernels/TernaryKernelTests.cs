using System.Runtime.InteropServices;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Ternary;

namespace BitNet.Runtime.Tests.Kernels;

/// <summary>Every ternary kernel path this CPU supports against the scalar reference, on random data and odd sizes.</summary>
public sealed unsafe class TernaryKernelTests
{
    public static TheoryData<KernelPath> SupportedPaths()
    {
        var data = new TheoryData<KernelPath>();
        foreach (var kernel in TernaryKernels.Supported) data.Add(kernel.Path);
        return data;
    }

    private static readonly (int Rows, int Chunks)[] s_shapes =
        [(1, 1), (2, 1), (3, 2), (5, 3), (7, 1), (8, 10), (9, 27), (17, 2), (33, 1), (64, 4)];

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void RowDots_MatchReference(KernelPath path)
    {
        var kernel = TernaryKernels.Get(path);
        var reference = new ScalarTernaryKernel();
        var random = new Random(1234);
        foreach (var (rows, chunks) in s_shapes)
        {
            foreach (var stridePad in new[] { 0, 64 })
            {
                var stride = chunks * 64 + stridePad;
                using var codes = RandomCodes(random, rows * stride);
                using var x = RandomActivations(random, chunks * 256);
                var expected = new int[rows];
                var actual = new int[rows];
                fixed (int* e = expected, a = actual)
                {
                    reference.RowDots(codes.Pointer, stride, chunks, (sbyte*)x.Pointer, rows, e);
                    kernel.RowDots(codes.Pointer, stride, chunks, (sbyte*)x.Pointer, rows, a);
                }
                Assert.Equal(expected, actual);
            }
        }
    }

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void RowDots_ExtremeActivations_DoNotOverflow(KernelPath path)
    {
        // All codes 2 against all -128 (or 127): the largest magnitudes an int16 stage could see.
        var kernel = TernaryKernels.Get(path);
        foreach (var value in new sbyte[] { -128, 127 })
        {
            const int chunks = 27, rows = 3;
            using var codes = new Aligned(rows * chunks * 64);
            codes.Span.Fill(0b10_10_10_10);
            using var x = new Aligned(chunks * 256);
            MemoryMarshal.Cast<byte, sbyte>(x.Span).Fill(value);
            var actual = new int[rows];
            fixed (int* a = actual) kernel.RowDots(codes.Pointer, chunks * 64, chunks, (sbyte*)x.Pointer, rows, a);
            Assert.All(actual, d => Assert.Equal(2 * value * chunks * 256, d));
        }
    }

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void RowDotsBatch_MatchesReference(KernelPath path)
    {
        var kernel = TernaryKernels.Get(path);
        var reference = new ScalarTernaryKernel();
        var random = new Random(99);
        // Every vector count to 17 (the 8- and 4-vector tiles, their remainders, two 8-vector groups and one over), odd
        // row counts and rows past a tile, and rows longer than one int16 accumulation run (16 chunks).
        foreach (var count in Enumerable.Range(1, 17))
        foreach (var (rows, chunks) in new[] { (1, 1), (3, 2), (6, 3), (11, 1), (37, 2), (5, 17), (3, 33) })
        {
            var stride = chunks * 64;
            var xStride = chunks * 256 + 64; // padded on purpose
            using var codes = RandomCodes(random, rows * stride);
            using var xs = RandomActivations(random, count * xStride);
            var expected = new int[count * rows];
            var actual = new int[count * rows];
            fixed (int* e = expected, a = actual)
            {
                reference.RowDotsBatch(codes.Pointer, stride, chunks, (sbyte*)xs.Pointer, xStride, count, rows, e);
                kernel.RowDotsBatch(codes.Pointer, stride, chunks, (sbyte*)xs.Pointer, xStride, count, rows, a);
            }
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void RowDotsBatch_ExtremeValuesDoNotOverflow(KernelPath path)
    {
        // Every code 2 against every activation at an extreme: the largest sums any int16 stage can see.
        var kernel = TernaryKernels.Get(path);
        foreach (var value in new sbyte[] { 127, -127, -128 })
        {
            const int rows = 4, chunks = 33, count = 13; // an 8-vector tile, a 4-vector tile and one vector alone
            using var codes = new Aligned(rows * chunks * 64);
            codes.Span.Fill(0b10_10_10_10);
            using var xs = new Aligned(count * chunks * 256);
            MemoryMarshal.Cast<byte, sbyte>(xs.Span).Fill(value);
            var actual = new int[count * rows];
            fixed (int* a = actual) kernel.RowDotsBatch(codes.Pointer, chunks * 64, chunks, (sbyte*)xs.Pointer, chunks * 256, count, rows, a);
            Assert.All(actual, d => Assert.Equal(2 * value * chunks * 256, d));
        }
    }

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void RowDotsFloat_MatchesReference(KernelPath path)
    {
        var kernel = TernaryKernels.Get(path);
        var random = new Random(7);
        foreach (var (rows, chunks) in s_shapes)
        {
            var stride = chunks * 64;
            using var codes = RandomCodes(random, rows * stride);
            var x = new float[chunks * 256];
            for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 4 - 2);
            var expected = new float[rows];
            var actual = new float[rows];
            fixed (float* xp = x, e = expected, a = actual)
            {
                ScalarTernaryKernel.RowDotsFloatReference(codes.Pointer, stride, chunks, xp, rows, e);
                kernel.RowDotsFloat(codes.Pointer, stride, chunks, xp, rows, a);
            }
            // Float sums in a different order: relative to the sum of magnitudes, well within 1e-5.
            for (var r = 0; r < rows; r++)
                Assert.True(Math.Abs(expected[r] - actual[r]) <= 1e-5f * chunks * 256, $"row {r}: {actual[r]} vs {expected[r]}");
        }
    }

    [Fact]
    public void Best_IsTheFastestSupported()
    {
        Assert.Same(TernaryKernels.Supported[0], TernaryKernels.Best);
        Assert.Same(TernaryKernels.Best, TernaryKernels.Get(KernelPath.Auto));
        Assert.Contains(TernaryKernels.Supported, k => k.Path == KernelPath.Scalar);
    }

    [Fact]
    public void UnsupportedPath_ThrowsNamingTheSupportedOnes()
    {
        var unsupported = TernaryKernels.All.FirstOrDefault(k => !k.IsSupported);
        if (unsupported is null) return; // a CPU with every extension: nothing to refuse
        var error = Assert.Throws<NotSupportedException>(() => TernaryKernels.Get(unsupported.Path));
        Assert.Contains("Scalar", error.Message, StringComparison.Ordinal);
    }

    private static Aligned RandomCodes(Random random, int bytes)
    {
        var a = new Aligned(bytes);
        var span = a.Span;
        for (var i = 0; i < span.Length; i++)
        {
            // Four codes from {0, 1, 2}: code 3 never occurs in the layout.
            span[i] = (byte)(random.Next(3) | random.Next(3) << 2 | random.Next(3) << 4 | random.Next(3) << 6);
        }
        return a;
    }

    private static Aligned RandomActivations(Random random, int count)
    {
        var a = new Aligned(count);
        var span = MemoryMarshal.Cast<byte, sbyte>(a.Span);
        for (var i = 0; i < span.Length; i++) span[i] = (sbyte)random.Next(-128, 128);
        return a;
    }

    /// <summary>64-byte-aligned native bytes, as the engine allocates them.</summary>
    internal sealed class Aligned : IDisposable
    {
        public Aligned(int bytes)
        {
            Length = bytes;
            Pointer = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
            Span.Clear();
        }

        public byte* Pointer { get; private set; }

        public int Length { get; }

        public Span<byte> Span => new(Pointer, Length);

        public void Dispose()
        {
            NativeMemory.AlignedFree(Pointer);
            Pointer = null;
        }
    }
}
