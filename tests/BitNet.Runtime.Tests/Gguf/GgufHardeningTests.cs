using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using BitNet.Runtime.Gguf;
using Xunit.Abstractions;
using static BitNet.Runtime.Tests.Gguf.GgufTestWriter;

namespace BitNet.Runtime.Tests.Gguf;

/// <summary>
/// Hostile input: truncations and seeded random mutations of the shipped model (and of a synthetic file that uses every
/// value type). Each case must end in <see cref="GgufFormatException"/> or a valid load; never another exception type,
/// a hang, or a huge allocation.
/// </summary>
public sealed class GgufHardeningTests(ITestOutputHelper output)
{
    private static readonly Lazy<byte[]> s_model = new(() => File.ReadAllBytes(GgufShippedModelTests.ModelPath));
    private const int ModelDataStart = 97_216;

    /// <summary>A single parse may take at most this long (the full model parses in about a millisecond; the
    /// margin absorbs a loaded machine, a hang never finishes).</summary>
    private static readonly TimeSpan s_perCaseBudget = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most a single parse may allocate. Everything the reader keeps is backed by bytes it has consumed from the
    /// file: a string costs ~4 managed bytes per file byte at most (a 1-byte string is 9 file bytes — length + byte —
    /// and a 24-byte string object plus an 8-byte array slot), scalar arrays are 1:1 copies, and the per-entry objects
    /// of KVs and tensor infos (key, boxed value, GgufValue, dictionary slot; name, dims, GgufTensorInfo) are limited by
    /// the 65,536 caps on both counts. Measured on the densest shapes (see
    /// <see cref="Many_small_entries_stay_within_the_allocation_budget"/>): 5.8 bytes per file byte for 65,536 tiny
    /// KVs (9 MB), 4.2 for 65,536 tensors (19 MB), 3.6 for 2^20 one-byte strings. 8 bytes per file byte plus 32 MiB
    /// leaves headroom for runtime differences, while any allocation sized from an untrusted count (2^30 floats, a
    /// 2^62-byte string) or an O(key length × element count) diagnostic blows far past it.
    /// </summary>
    internal static long AllocationBudget(long fileLength) => 8 * fileLength + (32L << 20);

    /// <summary>The outcome of one parse: null for a valid load, otherwise the rejection.</summary>
    private static GgufFormatException? ParseChecked(byte[] bytes, string what) => Measure(bytes, what).Rejection;

    private readonly record struct Outcome(GgufFormatException? Rejection, TimeSpan Elapsed, long Allocated);

    /// <summary>Parses under the time and allocation budgets; any exception but <see cref="GgufFormatException"/> fails.</summary>
    private static Outcome Measure(byte[] bytes, string what)
    {
        var budget = AllocationBudget(bytes.Length);
        var stopwatch = Stopwatch.StartNew();
        var before = GC.GetAllocatedBytesForCurrentThread();
        GgufFile? file = null;
        GgufFormatException? rejection = null;
        try
        {
            file = GgufFile.Load(bytes, "fuzz");
        }
        catch (GgufFormatException ex)
        {
            rejection = ex;
        }
        catch (Exception ex)
        {
            Assert.Fail($"{what}: {ex.GetType().Name} escaped the reader: {ex}");
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before; // the parse only, not the checks below
        stopwatch.Stop();

        if (file is not null)
        {
            using (file) TouchEveryTensor(file);
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(rejection!.Field), $"{what}: exception without a field: {rejection.Message}");
            Assert.False(string.IsNullOrEmpty(rejection.Problem), $"{what}: exception without a problem: {rejection.Message}");
            Assert.True(rejection.Offset >= -1 && rejection.Offset <= bytes.Length, $"{what}: offset {rejection.Offset} outside the file: {rejection.Message}");
        }
        Assert.True(stopwatch.Elapsed < s_perCaseBudget, $"{what}: took {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(allocated < budget, $"{what}: allocated {allocated:N0} bytes for a {bytes.Length:N0}-byte file (budget {budget:N0})");
        return new Outcome(rejection, stopwatch.Elapsed, allocated);
    }

    /// <summary>Every view of a successfully loaded file lies inside the file and after the header.</summary>
    private static void TouchEveryTensor(GgufFile file)
    {
        var sum = 0;
        foreach (var t in file.Tensors)
        {
            if (t.DataOffset < file.DataStart || t.DataOffset + t.ByteSize > file.Length)
                Assert.Fail($"{t} lies outside the data section: [{t.DataOffset}, {t.DataOffset + t.ByteSize}) of {file.Length} bytes");
            var view = file.GetTensorBytes(t);
            Assert.Equal(t.ByteSize, view.Length);
            sum += view[0] + view[^1];
            long elements = 1;
            for (var d = 0; d < t.Dimensions.Count; d++) elements *= t.Dimensions[d];
            Assert.Equal(t.ElementCount, elements);
        }
        GC.KeepAlive(sum);
    }

    // ---- Truncation

    [Fact]
    public void Model_truncated_at_64_evenly_spaced_lengths_is_rejected_unless_complete()
    {
        var model = s_model.Value;
        var full = model.Length;
        for (var i = 0; i < 64; i++)
        {
            var length = (int)((long)full * i / 63);
            var rejection = ParseChecked(model[..length], $"truncated to {length}");
            if (length == full)
            {
                Assert.Null(rejection);
                continue;
            }
            // The last tensor ends at EOF, so every proper prefix is incomplete and must be refused.
            Assert.NotNull(rejection);
            if (length >= ModelDataStart)
            {
                // Inside tensor data: a tensor runs past EOF.
                Assert.Matches(@"^tensor '.+'\.offset$", rejection.Field);
                Assert.Contains("end of the file", rejection.Problem, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Model_truncated_anywhere_in_the_header_is_rejected()
    {
        var model = s_model.Value;
        var lengths = Enumerable.Range(0, 600)
            .Concat(Enumerable.Range(0, (ModelDataStart + 64) / 97).Select(i => i * 97))
            .Concat(Enumerable.Range(ModelDataStart - 40, 80)) // around the last tensor info and the padding
            .Distinct();
        var count = 0;
        foreach (var length in lengths)
        {
            Assert.NotNull(ParseChecked(model[..length], $"truncated to {length}"));
            count++;
        }
        output.WriteLine($"{count} header truncations rejected");
    }

    [Fact]
    public void Model_file_on_disk_truncated_is_rejected_unless_complete()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gguf-truncated-{Guid.NewGuid():N}.gguf");
        File.WriteAllBytes(path, s_model.Value); // a fresh, writable copy (the shared file is read-only)
        try
        {
            var full = s_model.Value.Length;
            // Descending, so that each step only shortens the copy.
            foreach (var length in new[] { full, full - 1, full / 2, ModelDataStart + 1000, ModelDataStart, ModelDataStart - 1, 60_000, 1000, 24, 3, 0 })
            {
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read))
                    stream.SetLength(length);
                if (length == full)
                {
                    using var file = GgufFile.Open(path);
                    Assert.Equal(57, file.Tensors.Count);
                    TouchEveryTensor(file);
                    continue;
                }
                var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path));
                Assert.Equal(path, ex.SourceName);
                Assert.Contains(path, ex.Message, StringComparison.Ordinal);
                if (length > ModelDataStart) Assert.EndsWith(".offset", ex.Field, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- Mutation fuzzing

    private static readonly ulong[] s_extremes =
    [
        0, 1, 2, 3, 4, 5, 8, 9, 12, 13, 31, 32, 36, 63, 64, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000,
        0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x1_0000_0000, 0x1_0000_0001,
        1UL << 24, (1UL << 24) + 1, 1UL << 30, 1UL << 42, (1UL << 42) + 1, 1UL << 62,
        0x7FFFFFFF_FFFFFFFF, 0x80000000_00000000, 0xFFFFFFFF_FFFFFFFF, 0xFFFFFFFF_FFFFFFFE,
    ];

    private enum Mutation { ByteFlips, RandomOverwrite64, FieldOverwrite, Insert, Delete }

    [Fact(Timeout = 120_000)]
    public async Task Seeded_mutations_of_the_model_header_and_metadata_are_rejected_or_load()
    {
        var model = s_model.Value;
        var fields = GgufFieldMap.Fields(model);
        Assert.True(fields.Count > 12_000, $"field map found only {fields.Count} fields");
        var summary = await Task.Run(() => Fuzz(model, ModelDataStart, fields, seed: 0x6B1F_2025, cases: 2400));
        output.WriteLine(summary.ToString());
        Assert.True(summary.Loads >= 50, $"too few mutants loaded for the fuzzing to exercise the success path: {summary}");
        Assert.True(summary.Rejections >= 1000, $"too few mutants rejected: {summary}");
        // The model's header is 97% token strings, so fewer checks are reachable than in the synthetic file below.
        Assert.True(summary.DistinctChecks >= 15, $"the mutations reached too few distinct checks: {summary}");
    }

    [Fact(Timeout = 120_000)]
    public async Task Seeded_mutations_of_a_synthetic_file_with_every_value_type_are_rejected_or_load()
    {
        var w = new GgufTestWriter()
            .Add("general.architecture", "bitnet")
            .Add("general.alignment", GgufValueType.UInt32, 32u)
            .Add("k.u8", GgufValueType.UInt8, (byte)1).Add("k.i8", GgufValueType.Int8, (sbyte)-1)
            .Add("k.u16", GgufValueType.UInt16, (ushort)2).Add("k.i16", GgufValueType.Int16, (short)-2)
            .Add("k.u32", GgufValueType.UInt32, 3u).Add("k.i32", GgufValueType.Int32, -3)
            .Add("k.f32", GgufValueType.Float32, 0.5f).Add("k.bool", GgufValueType.Bool, true)
            .Add("k.u64", GgufValueType.UInt64, 4UL).Add("k.i64", GgufValueType.Int64, -4L).Add("k.f64", GgufValueType.Float64, 0.25)
            .AddArray("a.u8", GgufValueType.UInt8, new byte[] { 1, 2, 3 })
            .AddArray("a.i16", GgufValueType.Int16, new short[] { -1, 2 })
            .AddArray("a.bool", GgufValueType.Bool, new[] { true, false })
            .AddArray("a.u64", GgufValueType.UInt64, new ulong[] { 5, 6 })
            .AddArray("a.f64", GgufValueType.Float64, new[] { 1.0 })
            .AddArray("a.str", GgufValueType.String, new[] { "x", "yz", "" })
            .AddTensor("f32", GgufTensorType.F32, [8], new byte[32])
            .AddTensor("bf16", GgufTensorType.BF16, [4, 2], new byte[16])
            .AddTensor("i2s", 36u, [128, 2], new byte[128 * 2 / 4 + 32])
            .AddTensor("tq2", GgufTensorType.TQ2_0, [256], new byte[66])
            .AddTensor("q8", GgufTensorType.Q8_0, [32, 1, 1, 1], new byte[34]);
        var bytes = w.Build();
        using (var clean = GgufFile.Load(bytes)) Assert.Equal(5, clean.Tensors.Count);
        var fields = GgufFieldMap.Fields(bytes);
        var summary = await Task.Run(() => Fuzz(bytes, (int)w.DataStart, fields, seed: 1234567, cases: 3000));
        output.WriteLine(summary.ToString());
        Assert.True(summary.Loads >= 50 && summary.Rejections >= 1000, summary.ToString());
        Assert.True(summary.DistinctChecks >= 25, $"the mutations reached too few distinct checks: {summary}");
    }

    private sealed record FuzzSummary(int Cases, int Loads, int Rejections, string[] Checks, Dictionary<Mutation, int> ByKind, TimeSpan Elapsed,
                                      TimeSpan Slowest, long MostAllocated)
    {
        public int DistinctChecks => Checks.Length;

        public override string ToString() =>
            $"{Cases} cases in {Elapsed.TotalSeconds:F1} s: {Loads} loaded, {Rejections} rejected by {DistinctChecks} distinct checks; " +
            string.Join(", ", ByKind.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")) +
            $"; slowest parse {Slowest.TotalMilliseconds:F1} ms, largest allocation {MostAllocated:N0} bytes" + Environment.NewLine +
            string.Join(Environment.NewLine, Checks.Select(c => "  " + c));
    }

    /// <summary>
    /// Applies <paramref name="cases"/> deterministic mutations to bytes [0, <paramref name="regionEnd"/>) of the image:
    /// byte flips, 8-byte overwrites with extreme values at random positions and at the known count/length/type fields,
    /// and insertions or deletions of up to 16 bytes.
    /// </summary>
    private static FuzzSummary Fuzz(byte[] original, int regionEnd, IReadOnlyList<(int Offset, int Width, bool Structural)> fields, int seed, int cases)
    {
        var structural = fields.Where(f => f.Structural).ToArray();
        var rng = new Random(seed);
        var work = (byte[])original.Clone();
        var shifted = new ShiftedImages(original, regionEnd);
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        var byKind = new Dictionary<Mutation, int>();
        int loads = 0, rejections = 0;
        var slowest = TimeSpan.Zero;
        long mostAllocated = 0;
        var total = Stopwatch.StartNew();
        for (var c = 0; c < cases; c++)
        {
            var kind = (Mutation)rng.Next(5);
            byKind[kind] = byKind.GetValueOrDefault(kind) + 1;
            byte[] mutant;
            string what;
            switch (kind)
            {
                case Mutation.ByteFlips:
                {
                    var n = 1 + rng.Next(4);
                    var sb = new StringBuilder($"case {c} (seed {seed}): byte flips");
                    for (var k = 0; k < n; k++)
                    {
                        var at = rng.Next(regionEnd);
                        var value = rng.Next(2) == 0 ? (byte)(work[at] ^ (1 << rng.Next(8))) : (byte)rng.Next(256);
                        work[at] = value;
                        sb.Append($" [{at}]=0x{value:X2}");
                    }
                    mutant = work;
                    what = sb.ToString();
                    break;
                }
                case Mutation.RandomOverwrite64:
                {
                    var at = rng.Next(regionEnd - 8);
                    var value = PickValue(rng, BinaryPrimitives.ReadUInt64LittleEndian(work.AsSpan(at)));
                    BinaryPrimitives.WriteUInt64LittleEndian(work.AsSpan(at), value);
                    mutant = work;
                    what = $"case {c} (seed {seed}): u64 at {at} = 0x{value:X}";
                    break;
                }
                case Mutation.FieldOverwrite:
                {
                    var (at, width, _) = rng.Next(2) == 0 ? structural[rng.Next(structural.Length)] : fields[rng.Next(fields.Count)];
                    var value = PickValue(rng, width == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(work.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(work.AsSpan(at)));
                    if (width == 8) BinaryPrimitives.WriteUInt64LittleEndian(work.AsSpan(at), value);
                    else BinaryPrimitives.WriteUInt32LittleEndian(work.AsSpan(at), (uint)value);
                    mutant = work;
                    what = $"case {c} (seed {seed}): field u{width * 8} at {at} = 0x{value:X}";
                    break;
                }
                case Mutation.Insert:
                {
                    var at = rng.Next(regionEnd + 1);
                    var inserted = new byte[s_shifts[rng.Next(s_shifts.Length)]];
                    rng.NextBytes(inserted);
                    if (rng.Next(3) == 0) Array.Clear(inserted); // zero padding is the likeliest insertion to survive
                    mutant = shifted.Get(inserted.Length);
                    original.AsSpan(0, at).CopyTo(mutant);
                    inserted.CopyTo(mutant, at);
                    original.AsSpan(at, regionEnd - at).CopyTo(mutant.AsSpan(at + inserted.Length));
                    what = $"case {c} (seed {seed}): insert {Convert.ToHexString(inserted)} at {at}";
                    break;
                }
                default:
                {
                    var n = s_shifts[rng.Next(s_shifts.Length)];
                    var at = rng.Next(regionEnd - n + 1);
                    mutant = shifted.Get(-n);
                    original.AsSpan(0, at).CopyTo(mutant);
                    original.AsSpan(at + n, regionEnd - at - n).CopyTo(mutant.AsSpan(at));
                    what = $"case {c} (seed {seed}): delete {n} bytes at {at}";
                    break;
                }
            }

            var (rejection, elapsed, allocated) = Measure(mutant, what);
            slowest = elapsed > slowest ? elapsed : slowest;
            mostAllocated = Math.Max(mostAllocated, allocated);
            if (rejection is null) loads++;
            else
            {
                rejections++;
                distinct.Add(ProblemTemplate(rejection));
            }

            // Undo in-place mutations (only the header region was touched).
            if (ReferenceEquals(mutant, work)) original.AsSpan(0, regionEnd).CopyTo(work);
        }
        total.Stop();
        return new FuzzSummary(cases, loads, rejections, distinct.Order(StringComparer.Ordinal).ToArray(), byKind, total.Elapsed, slowest, mostAllocated);
    }

    /// <summary>How many bytes an insertion adds or a deletion removes.</summary>
    private static readonly int[] s_shifts = [1, 2, 3, 4, 7, 8, 16];

    /// <summary>
    /// One reusable image per length change: the bytes after the mutated region are copied once, already shifted, so a
    /// case only rewrites the region (~100 KB) instead of allocating and copying the whole 8 MB model.
    /// </summary>
    private sealed class ShiftedImages(byte[] original, int regionEnd)
    {
        private readonly Dictionary<int, byte[]> _images = [];

        public byte[] Get(int shift)
        {
            if (!_images.TryGetValue(shift, out var image))
            {
                image = new byte[original.Length + shift];
                original.AsSpan(regionEnd).CopyTo(image.AsSpan(regionEnd + shift));
                _images.Add(shift, image);
            }
            return image;
        }
    }

    private static ulong PickValue(Random rng, ulong current) => rng.Next(8) switch
    {
        0 => current + 1,
        1 => current - 1,
        2 => (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63),
        3 => current ^ (1UL << rng.Next(64)),
        _ => s_extremes[rng.Next(s_extremes.Length)],
    };

    /// <summary>
    /// The check that fired, with numbers and names collapsed, e.g. <c>expected at most #, found #.</c>; counting
    /// these measures how many distinct validations the mutations reached.
    /// </summary>
    private static string ProblemTemplate(GgufFormatException ex)
    {
        var template = System.Text.RegularExpressions.Regex.Replace(ex.Problem, @"0x[0-9A-F]+|'[^']*'|\d+", "#");
        template = new string(template.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
        return template.Length > 90 ? template[..90] + "…" : template;
    }

    // ---- Allocation bounds for crafted worst cases

    [Fact]
    public void A_long_key_on_a_large_array_does_not_multiply_allocations()
    {
        // A 60 KB key with 20,000 bools and 20,000 one-byte strings: ~300 KB of file. Building a diagnostic name per
        // element ("<key>[i]") would allocate 20,000 x 120 KB = 2.4 GB.
        var key = "k." + new string('x', 60_000);
        var w = new GgufTestWriter()
            .AddArray(key + ".bools", GgufValueType.Bool, Enumerable.Repeat(true, 20_000).ToArray())
            .AddArray(key + ".strings", GgufValueType.String, Enumerable.Repeat("a", 20_000).ToArray());
        var bytes = w.Build();
        Report(bytes, "long key with large arrays");

        // The diagnostic still names the element when one is bad.
        bytes[^1] = 0xC3; // the last string's single byte becomes an incomplete UTF-8 sequence
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Load(bytes));
        Assert.Equal(key + ".strings[19999]", ex.Field);
    }

    [Fact]
    public void Many_small_entries_stay_within_the_allocation_budget()
    {
        // 65,536 one-byte string KVs, 65,536 tensors, and one 2^20-element array of one-byte strings: the densest
        // object-per-byte shapes a file can have.
        var kvs = new GgufTestWriter();
        for (var i = 0; i < 65_536; i++) kvs.Add(i.ToString("x", System.Globalization.CultureInfo.InvariantCulture), "v");
        Report(kvs.Build(), "65,536 KVs");

        var tensors = new GgufTestWriter { Alignment = 8 }.Add("general.alignment", GgufValueType.UInt32, 8u);
        for (var i = 0; i < 65_536; i++) tensors.AddTensor($"t{i}", GgufTensorType.I8, [1, 1, 1, 1], new byte[1]);
        Report(tensors.Build(), "65,536 tensors");

        var strings = new GgufTestWriter().AddArray("a", GgufValueType.String, Enumerable.Repeat("z", 1 << 20).ToArray());
        Report(strings.Build(), "2^20 strings");
    }

    private void Report(byte[] bytes, string what)
    {
        var outcome = Measure(bytes, what);
        Assert.Null(outcome.Rejection);
        output.WriteLine($"{what}: {bytes.Length:N0}-byte file, parse allocated {outcome.Allocated:N0} bytes " +
                         $"({(double)outcome.Allocated / bytes.Length:F1} per file byte; budget {AllocationBudget(bytes.Length):N0}) in {outcome.Elapsed.TotalMilliseconds:F0} ms");
    }
}

/// <summary>
/// Finds the offsets of the count, length, type and offset fields of a valid GGUF image, by walking it independently
/// of the reader under test. The fuzzer overwrites these with extreme values, which a random position rarely hits.
/// </summary>
internal static class GgufFieldMap
{
    /// <summary>
    /// Every u32/u64 field. <c>Structural</c> marks the ones that shape the parse (counts, key lengths, type tags, tensor
    /// infos) as opposed to array elements and scalar values; the fuzzer picks those more often, because in the model
    /// they are outnumbered 30:1 by token lengths and scores.
    /// </summary>
    public static List<(int Offset, int Width, bool Structural)> Fields(byte[] f)
    {
        var fields = new List<(int, int, bool)> { (4, 4, true), (8, 8, true), (16, 8, true) };
        var p = 24;
        var tensors = BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan(8));
        var kvs = BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan(16));
        for (ulong i = 0; i < kvs; i++)
        {
            SkipString(f, ref p, fields, structural: true);
            fields.Add((p, 4, true));
            var type = BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(p));
            p += 4;
            if (type == (uint)GgufValueType.Array)
            {
                fields.Add((p, 4, true));
                var elementType = BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(p));
                fields.Add((p + 4, 8, true));
                var count = BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan(p + 4));
                p += 12;
                for (ulong j = 0; j < count; j++) SkipValue(f, ref p, elementType, fields);
            }
            else SkipValue(f, ref p, type, fields);
        }
        for (ulong i = 0; i < tensors; i++)
        {
            SkipString(f, ref p, fields, structural: true);
            fields.Add((p, 4, true));
            var nDims = BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(p));
            p += 4;
            for (var d = 0; d < nDims; d++, p += 8) fields.Add((p, 8, true));
            fields.Add((p, 4, true));
            fields.Add((p + 4, 8, true));
            p += 12;
        }
        return fields;
    }

    private static void SkipString(byte[] f, ref int p, List<(int, int, bool)> fields, bool structural)
    {
        fields.Add((p, 8, structural));
        p += 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan(p));
    }

    private static void SkipValue(byte[] f, ref int p, uint type, List<(int, int, bool)> fields)
    {
        switch ((GgufValueType)type)
        {
            case GgufValueType.String: SkipString(f, ref p, fields, structural: false); break;
            case GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool: p += 1; break;
            case GgufValueType.UInt16 or GgufValueType.Int16: p += 2; break;
            case GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32: fields.Add((p, 4, false)); p += 4; break;
            default: fields.Add((p, 8, false)); p += 8; break;
        }
    }
}
