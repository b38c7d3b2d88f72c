using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Activations;
using BitNet.Runtime.Kernels.Ternary;
using BitNet.Runtime.Threading;
using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Tests.Kernels;

/// <summary>The lookup layout (<see cref="LookupTernaryCodes"/>) and its AVX-512 kernels against plain loops.</summary>
public sealed unsafe class LookupKernelTests
{
    // Odd rows (partial blocks and super-blocks), columns that end inside a group, a triplet, a slice (252 columns) and
    // a 256-chunk, and 2B4T's widths (several slices, a short last one).
    private static readonly (int Rows, int Columns)[] s_shapes =
        [(1, 1), (1, 2), (3, 8), (32, 9), (33, 10), (127, 251), (128, 252), (129, 253), (200, 700), (300, 2560), (130, 6912)];

    // Thread shares stored as segments: none, one split, several (a segment of one super-block included).
    private static int[] Splits(int superBlocks) => superBlocks switch
    {
        < 2 => [],
        2 => [1],
        _ => [1, superBlocks / 2 + 1 < superBlocks ? superBlocks / 2 + 1 : superBlocks - 1],
    };

    [Fact]
    public void Encoding_KeepsEveryWeight()
    {
        foreach (var (rows, columns) in s_shapes)
        {
            var (matrix, values) = TernaryGemvTests.RandomMatrix(rows, columns, 0.5f, seed: rows * 7 + columns);
            using var _ = matrix;
            using var lookup = LookupTernaryCodes.From(matrix, arena: null, Splits(LookupTernaryCodes.PadRows(rows) / 128));
            Assert.Equal(LookupTernaryCodes.BytesFor(rows, columns), lookup.ByteCount);
            for (var r = 0; r < rows; r++)
                for (var k = 0; k < columns; k++)
                    Assert.True(values[r, k] == lookup[r, k], $"{rows}×{columns}: ({r}, {k}) is {lookup[r, k]}, expected {values[r, k]}");
        }
    }

    [Fact]
    public void Tables_MatchPlainLoops()
    {
        var random = new Random(3);
        foreach (var columns in new[] { 1, 2, 3, 4, 8, 9, 10, 255, 256, 2560, 6911 })
        {
            var x = new sbyte[columns];
            for (var k = 0; k < columns; k++) x[k] = (sbyte)random.Next(-128, 128);
            x[0] = -128; // the extreme entry: |sum| reaches 384
            var groups = LookupTernaryCodes.GroupsFor(columns);
            short[] fast = new short[groups * 32], reference = new short[groups * 32];
            fixed (sbyte* xp = x)
            fixed (short* f = fast, r = reference)
            {
                LookupTables.Build(xp, columns, groups, f);
                LookupTables.BuildReference(xp, columns, groups, r);
            }
            Assert.Equal(reference, fast);
            // Entry i of group g is Σ t_k · x_k with t_k the base-3 digits of i, minus 1; past the input, x counts as 0.
            for (var g = 0; g < groups; g++)
                for (var i = 0; i < 27; i++)
                {
                    var expected = 0;
                    for (int k = 0, d = i; k < 3; k++, d /= 3)
                        if (3 * g + k < columns) expected += (d % 3 - 1) * x[3 * g + k];
                    Assert.Equal(expected, reference[g * 32 + i]);
                }
        }
    }

    [Fact]
    public void Dots_AreTheExactIntegerSums()
    {
        if (!Avx512BW.IsSupported) return; // the kernel's path is not on this CPU (TernaryKernelTests covers the paths it has)
        foreach (var (rows, columns) in s_shapes)
        {
            var (matrix, values) = TernaryGemvTests.RandomMatrix(rows, columns, 0.5f, seed: rows + columns);
            using var _ = matrix;
            using var lookup = LookupTernaryCodes.From(matrix, arena: null, Splits(LookupTernaryCodes.PadRows(rows) / 128));
            var x = Extremes(columns, seed: columns);
            var dots = LookupDots(lookup, x, 0);
            for (var r = 0; r < rows; r++) Assert.Equal(Dot(values, r, x), dots[r]);
            Assert.All(dots[rows..], v => Assert.Equal(0, v)); // padding rows hold weight 0

            // A range of super-blocks (inside a segment, or across segments) writes only its own rows, from its first.
            for (var from = 1; from < lookup.SuperBlocks; from++)
            {
                var part = LookupDots(lookup, x, from);
                for (var r = 0; r < part.Length && 128 * from + r < rows; r++) Assert.Equal(Dot(values, 128 * from + r, x), part[r]);
            }
        }
    }

    [Fact]
    public void Dots_AtTheInt16Bound_AreExact()
    {
        if (!Avx512BW.IsSupported) return;
        // All weights −1 (and +1) against x = −128: every table entry used is ±384, a slice's int16 sum ±32256.
        const int columns = 2560;
        using var matrix = new PackedTernaryMatrix("m", 2, columns, 1f);
        matrix.SetRow(0, Enumerable.Repeat((sbyte)-1, columns).ToArray());
        matrix.SetRow(1, Enumerable.Repeat((sbyte)1, columns).ToArray());
        using var lookup = LookupTernaryCodes.From(matrix, arena: null);
        var dots = LookupDots(lookup, Enumerable.Repeat((sbyte)-128, columns).ToArray(), 0);
        Assert.Equal(128 * columns, dots[0]);
        Assert.Equal(-128 * columns, dots[1]);
    }

    [Fact]
    public void DotsBatch_EqualsOneInputAtATime()
    {
        if (!Avx512BW.IsSupported) return;
        const int rows = 400, columns = 1000;
        var (matrix, _) = TernaryGemvTests.RandomMatrix(rows, columns, 0.5f, seed: 9);
        using var _m = matrix;
        using var lookup = LookupTernaryCodes.From(matrix, arena: null, [2]);
        foreach (var count in new[] { 1, 3, 4, 5, 8, 9 })
        {
            var stride = lookup.Groups * 32;
            var tables = new short[count * stride];
            var expected = new int[count * lookup.PaddedRows];
            var actual = new int[count * lookup.PaddedRows];
            fixed (short* t = tables)
            fixed (int* e = expected, a = actual)
            {
                for (var n = 0; n < count; n++)
                {
                    var x = Extremes(columns, seed: 50 + n);
                    fixed (sbyte* xp = x) LookupTables.Build(xp, columns, lookup.Groups, t + n * stride);
                    Avx512LookupKernel.Dots(lookup, t + n * stride, 0, lookup.SuperBlocks, e + n * lookup.PaddedRows);
                }
                Avx512LookupKernel.DotsBatch(lookup, t, stride, count, 0, lookup.SuperBlocks, a, lookup.PaddedRows);
            }
            Assert.Equal(expected, actual);

            // A range across the segment boundary.
            var tail = new int[count * 3 * 128];
            fixed (short* t = tables)
            fixed (int* a = tail)
                Avx512LookupKernel.DotsBatch(lookup, t, stride, count, 1, 4, a, 3 * 128);
            for (var n = 0; n < count; n++)
                Assert.Equal(expected.AsSpan(n * lookup.PaddedRows + 128, 3 * 128).ToArray(), tail.AsSpan(n * 3 * 128, 3 * 128).ToArray());
        }
    }

    [Fact]
    public void Products_OnTheLookupLayout_AreBitIdenticalToTheTwoBitLayout()
    {
        if (!Avx512BW.IsSupported) return;
        // Stacked odd-sized matrices over two threads (GEMV), and a batch of 13 inputs (GEMM): the lookup sums are the same
        // integers as the 2-bit kernel's, so every output must be equal to the last bit.
        using var pool = new WorkerPool(2);
        const int columns = 1030;
        var twoBit = TernaryKernels.Get(KernelPath.Avx512);
        var lookupKernel = TernaryKernels.Get(KernelPath.Avx512Lookup);
        var (a, _) = TernaryGemvTests.RandomMatrix(515, columns, 0.01f, seed: 1);
        var (b, _) = TernaryGemvTests.RandomMatrix(129, columns, 0.02f, seed: 2);
        var (c, _) = TernaryGemvTests.RandomMatrix(131, columns, 0.03f, seed: 3);
        var (la, _) = TernaryGemvTests.RandomMatrix(515, columns, 0.01f, seed: 1);
        var (lb, _) = TernaryGemvTests.RandomMatrix(129, columns, 0.02f, seed: 2);
        var (lc, _) = TernaryGemvTests.RandomMatrix(131, columns, 0.03f, seed: 3);
        using var ma = a;
        using var mb = b;
        using var mc = c;
        using var mla = la;
        using var mlb = lb;
        using var mlc = lc;
        la.UseLookupLayout(arena: null, [2]); // 515 rows: five super-blocks, thread shares from the third
        lb.UseLookupLayout(arena: null);
        lc.UseLookupLayout(arena: null);
        Assert.NotNull(la.Lookup);
        Assert.Equal(LookupTernaryCodes.BytesFor(515, columns), la.ByteCount);
        Assert.Throws<InvalidOperationException>(() => (nint)la.Codes);

        using var q = new QuantizedActivations(columns);
        q.Quantize(TernaryGemvTests.RandomVector(columns, seed: 4));
        float[] ea = new float[515], eb = new float[129], ec = new float[131];
        float[] ya = new float[515], yb = new float[129], yc = new float[131];
        fixed (float* pa = ea, pb = eb, pc = ec) new TernaryGemv(twoBit, 775).Multiply(pool, q, a, pa, b, pb, c, pc);
        fixed (float* pa = ya, pb = yb, pc = yc) new TernaryGemv(lookupKernel, 775).Multiply(pool, q, la, pa, lb, pb, lc, pc);
        Assert.Equal(ea, ya);
        Assert.Equal(eb, yb);
        Assert.Equal(ec, yc);

        // A stack mixing layouts (a 2-bit matrix of 129 rows before a lookup one): each output still exact.
        float[] mixedB = new float[129], mixedA = new float[515];
        fixed (float* pb = mixedB, pa = mixedA) new TernaryGemv(lookupKernel, 644).Multiply(pool, q, b, pb, la, pa);
        Assert.Equal(eb, mixedB);
        Assert.Equal(ea, mixedA);

        const int count = 13;
        using var batch = new QuantizedActivationBatch(columns, count, lookupTables: true);
        for (var n = 0; n < count; n++) batch.Quantize(n, TernaryGemvTests.RandomVector(columns, seed: 100 + n));
        float[] expected = new float[count * 515], actual = new float[count * 515];
        fixed (float* y = expected) new TernaryGemm(twoBit, 515, count).Multiply(pool, a, batch, count, y, 515);
        fixed (float* y = actual) new TernaryGemm(lookupKernel, 515, count).Multiply(pool, la, batch, count, y, 515);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Splits_FollowTheDecodeSteps()
    {
        // 2B4T on two threads: q/k/v stacked (20 + 5 + 5 super-blocks) split at q's 15th; gate/up (54 + 54) at their
        // boundary (no split inside either); the output and down projections (20) in halves.
        Assert.Equal([15], TernaryGemv.LookupSplits([2560, 640, 640], 2560, 0, threads: 2));
        Assert.Empty(TernaryGemv.LookupSplits([2560, 640, 640], 2560, 1, threads: 2));
        Assert.Empty(TernaryGemv.LookupSplits([2560, 640, 640], 2560, 2, threads: 2));
        Assert.Empty(TernaryGemv.LookupSplits([6912, 6912], 2560, 0, threads: 2));
        Assert.Empty(TernaryGemv.LookupSplits([6912, 6912], 2560, 1, threads: 2));
        Assert.Equal([10], TernaryGemv.LookupSplits([2560], 6912, 0, threads: 2));
        Assert.Equal([5, 10, 15], TernaryGemv.LookupSplits([2560], 2560, 0, threads: 4));
        Assert.Empty(TernaryGemv.LookupSplits([2560], 2560, 0, threads: 1));
        // Too little work to split (the shipped model's 256 × 256): one part.
        Assert.Empty(TernaryGemv.LookupSplits([256], 256, 0, threads: 2));
        Assert.Throws<ArgumentException>(() =>
        {
            var (m, _) = TernaryGemvTests.RandomMatrix(300, 20, 1f, seed: 1);
            using var _m = m;
            using var l = LookupTernaryCodes.From(m, arena: null, [3]); // 300 rows have three super-blocks: 3 is not inside
        });
    }

    [Fact]
    public void LookupMatrices_RefuseTheTwoBitKernels()
    {
        if (!Avx512BW.IsSupported) return;
        using var pool = new WorkerPool(1);
        var (m, _) = TernaryGemvTests.RandomMatrix(40, 300, 0.1f, seed: 8);
        using var _m = m;
        m.UseLookupLayout(arena: null);
        using var q = new QuantizedActivations(300);
        q.Quantize(TernaryGemvTests.RandomVector(300, seed: 1));
        var y = new float[40];
        var e = Assert.Throws<InvalidOperationException>(() =>
        {
            fixed (float* p = y) new TernaryGemv(TernaryKernels.Get(KernelPath.Avx512), 40).Multiply(pool, m, q, p);
        });
        Assert.Contains("lookup layout", e.Message);
    }

    /// <summary>The lookup GEMV of <paramref name="x"/> over super-blocks [<paramref name="from"/>, end): one dot per padded row.</summary>
    private static int[] LookupDots(LookupTernaryCodes lookup, sbyte[] x, int from)
    {
        var tables = new short[lookup.Groups * 32];
        var dots = new int[(lookup.SuperBlocks - from) * LookupTernaryCodes.SuperBlockRows];
        fixed (sbyte* xp = x)
        fixed (short* t = tables)
        fixed (int* d = dots)
        {
            LookupTables.Build(xp, x.Length, lookup.Groups, t);
            Avx512LookupKernel.Dots(lookup, t, from, lookup.SuperBlocks, d);
        }
        return dots;
    }

    private static long Dot(sbyte[,] values, int row, sbyte[] x)
    {
        long sum = 0;
        for (var k = 0; k < x.Length; k++) sum += values[row, k] * x[k];
        return sum;
    }

    /// <summary>Random int8 activations with runs of −128 and 127, so that the int16 sums come near their bound.</summary>
    private static sbyte[] Extremes(int columns, int seed)
    {
        var random = new Random(seed);
        var x = new sbyte[columns];
        for (var k = 0; k < columns; k++)
            x[k] = (k / 300 % 3) switch { 0 => (sbyte)random.Next(-128, 128), 1 => -128, _ => 127 };
        return x;
    }
}
