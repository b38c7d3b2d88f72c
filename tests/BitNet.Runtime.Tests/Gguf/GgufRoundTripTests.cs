using System.Buffers.Binary;
using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Tests.Gguf;

/// <summary>Synthetic files (written by <see cref="GgufTestWriter"/>) read back exactly: every value type, v2/v3, alignment, F32/F16/BF16 views.</summary>
public sealed class GgufRoundTripTests
{
    private static readonly (string Key, GgufValueType Type, object Value)[] s_scalars =
    [
        ("t.u8", GgufValueType.UInt8, (byte)250),
        ("t.i8", GgufValueType.Int8, (sbyte)-120),
        ("t.u16", GgufValueType.UInt16, (ushort)65000),
        ("t.i16", GgufValueType.Int16, (short)-32000),
        ("t.u32", GgufValueType.UInt32, 4_000_000_000u),
        ("t.i32", GgufValueType.Int32, -2_000_000_000),
        ("t.f32", GgufValueType.Float32, 3.25f),
        ("t.bool_true", GgufValueType.Bool, true),
        ("t.bool_false", GgufValueType.Bool, false),
        ("t.string", GgufValueType.String, "héllo, wörld ✓ 🙂"),
        ("t.empty_string", GgufValueType.String, ""),
        ("t.u64", GgufValueType.UInt64, ulong.MaxValue - 1),
        ("t.i64", GgufValueType.Int64, long.MinValue + 1),
        ("t.f64", GgufValueType.Float64, -1.0e300),
    ];

    private static readonly (string Key, GgufValueType Type, Array Values)[] s_arrays =
    [
        ("a.u8", GgufValueType.UInt8, new byte[] { 0, 1, 255 }),
        ("a.i8", GgufValueType.Int8, new sbyte[] { -128, 0, 127 }),
        ("a.u16", GgufValueType.UInt16, new ushort[] { 0, 1, 65535 }),
        ("a.i16", GgufValueType.Int16, new short[] { -32768, 0, 32767 }),
        ("a.u32", GgufValueType.UInt32, new uint[] { 0, 7, uint.MaxValue }),
        ("a.i32", GgufValueType.Int32, new[] { int.MinValue, -1, int.MaxValue }),
        ("a.f32", GgufValueType.Float32, new[] { -0.5f, float.Epsilon, float.MaxValue, float.NaN }),
        ("a.bool", GgufValueType.Bool, new[] { true, false, true }),
        ("a.string", GgufValueType.String, new[] { "a", "", "ünïcödé", "<0x0A>" }),
        ("a.u64", GgufValueType.UInt64, new ulong[] { 0, 1UL << 63, ulong.MaxValue }),
        ("a.i64", GgufValueType.Int64, new[] { long.MinValue, 0L, long.MaxValue }),
        ("a.f64", GgufValueType.Float64, new[] { double.NegativeInfinity, 0.1, 1e-300 }),
        ("a.empty_i32", GgufValueType.Int32, Array.Empty<int>()),
        ("a.empty_string", GgufValueType.String, Array.Empty<string>()),
    ];

    private static GgufTestWriter WriterWithAllValues(uint version)
    {
        var w = new GgufTestWriter { Version = version };
        foreach (var (key, type, value) in s_scalars) w.Add(key, type, value);
        foreach (var (key, type, values) in s_arrays) w.AddArray(key, type, values);
        return w;
    }

    [Theory]
    [InlineData(2u)]
    [InlineData(3u)]
    public void Every_scalar_and_array_type_round_trips(uint version)
    {
        using var file = GgufFile.Load(WriterWithAllValues(version).Build());
        Assert.Equal(version, file.Version);
        Assert.Empty(file.Tensors);
        Assert.Equal(s_scalars.Length + s_arrays.Length, file.Metadata.Count);

        foreach (var (key, type, value) in s_scalars)
        {
            var v = file.Metadata[key];
            Assert.Equal(type, v.Type);
            Assert.Equal(type, v.ElementType);
            Assert.Equal(value, v.Value);
            Assert.Equal(value.GetType(), v.Value.GetType());
            Assert.Equal(1, v.Count);
        }
        foreach (var (key, type, values) in s_arrays)
        {
            var v = file.Metadata[key];
            Assert.Equal(GgufValueType.Array, v.Type);
            Assert.Equal(type, v.ElementType);
            Assert.Equal(values.GetType(), v.Value.GetType());
            Assert.Equal(values, (Array)v.Value);
            Assert.Equal(values.Length, v.Count);
        }

        // File order is kept.
        Assert.Equal(s_scalars.Select(s => s.Key).Concat(s_arrays.Select(a => a.Key)), file.Metadata.Values.Select(v => v.Key));
    }

    [Fact]
    public void Typed_getters_convert_between_integer_widths_and_report_mismatches()
    {
        using var file = GgufFile.Load(WriterWithAllValues(3).Build());
        var m = file.Metadata;
        Assert.Equal(250, m.GetInt32("t.u8"));
        Assert.Equal(-120, m.GetInt32("t.i8"));
        Assert.Equal(-32000, m.GetInt32("t.i16"));
        Assert.Equal(4_000_000_000L, m["t.u32"].AsInt64());
        Assert.Equal(3.25, m.GetDouble("t.f32"));
        Assert.Equal(-1.0e300, m.GetDouble("t.f64"));
        Assert.Equal(7, m.GetInt32OrDefault("missing", 7));
        Assert.Null(m.GetStringOrDefault("missing"));
        Assert.Equal([0, 7, -1], m["a.u32"].AsInt32Array());
        Assert.Equal([-128, 0, 127], m["a.i8"].AsInt32Array());

        var tooBig = Assert.Throws<GgufFormatException>(() => m.GetInt32("t.u32"));
        Assert.Equal("t.u32", tooBig.Field);
        Assert.Equal(m["t.u32"].Offset, tooBig.Offset);
        Assert.Equal("t.u64", Assert.Throws<GgufFormatException>(() => m["t.u64"].AsInt64()).Field);
        Assert.Equal("t.string", Assert.Throws<GgufFormatException>(() => m.GetInt32("t.string")).Field);
        Assert.Equal("t.u8", Assert.Throws<GgufFormatException>(() => m.GetString("t.u8")).Field);
        Assert.Equal("a.f32", Assert.Throws<GgufFormatException>(() => m.GetArray<int>("a.f32")).Field);
        Assert.Equal("absent.key", Assert.Throws<GgufFormatException>(() => m.GetString("absent.key")).Field);
        Assert.Contains("required", Assert.Throws<GgufFormatException>(() => m["absent.key"]).Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2u)]
    [InlineData(3u)]
    public void Version_2_and_3_files_with_tensors_load(uint version)
    {
        var w = new GgufTestWriter { Version = version }.Add("general.architecture", "llama");
        w.AddTensor("a", GgufTensorType.F32, [3], GgufTestWriter.Floats(1, 2, 3));
        w.AddTensor("b", GgufTensorType.F32, [2, 2], GgufTestWriter.Floats(4, 5, 6, 7));
        using var file = GgufFile.Load(w.Build());
        Assert.Equal(version, file.Version);
        Assert.Equal(w.DataStart, file.DataStart);
        Assert.Equal([1f, 2, 3], file.GetTensorData<float>(file.GetTensor("a")).ToArray());
        Assert.Equal([4f, 5, 6, 7], file.GetTensorData<float>(file.GetTensor("b")).ToArray());
        Assert.Equal(32, file.GetTensor("b").RelativeOffset);
        Assert.Equal(2, file.GetTensor("b").RowCount);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(4096)]
    public void General_alignment_is_honoured(int alignment)
    {
        var w = new GgufTestWriter { Alignment = alignment }.Add("general.alignment", GgufValueType.UInt32, (uint)alignment);
        w.AddTensor("a", GgufTensorType.F32, [1], GgufTestWriter.Floats(1));
        w.AddTensor("b", GgufTensorType.F16, [4], new byte[8]);
        w.AddTensor("c", GgufTensorType.F32, [1], GgufTestWriter.Floats(9));
        using var file = GgufFile.Load(w.Build());
        Assert.Equal(alignment, file.Alignment);
        Assert.Equal(0, file.DataStart % alignment);
        Assert.Equal(w.DataStart, file.DataStart);
        Assert.Equal(alignment, file.GetTensor("b").RelativeOffset);
        Assert.Equal(2 * alignment, file.GetTensor("c").RelativeOffset);
        Assert.Equal(9f, file.GetTensorData<float>(file.GetTensor("c"))[0]);
    }

    [Fact]
    public void An_offset_aligned_to_32_but_not_to_general_alignment_is_rejected()
    {
        var w = new GgufTestWriter { Alignment = 64 }.Add("general.alignment", GgufValueType.UInt32, 64u);
        w.AddTensor("a", GgufTensorType.F32, [1], new byte[4]);
        w.AddTensor("b", GgufTensorType.F32, [1], new byte[4], offset: 32);
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Load(w.Build()));
        Assert.Equal("tensor 'b'.offset", ex.Field);
        Assert.Contains("alignment 64", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(4u)]
    [InlineData(3u)]
    [InlineData(48u)]
    [InlineData(2u << 20)]
    [InlineData(0x80000000u)]
    [InlineData(uint.MaxValue)]
    public void Invalid_alignment_values_are_rejected(uint alignment)
    {
        var w = new GgufTestWriter().Add("general.name", "x").Add("general.alignment", GgufValueType.UInt32, alignment);
        var bytes = w.Build();
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Load(bytes));
        Assert.Equal("general.alignment", ex.Field);
        Assert.Contains("power of two", ex.Problem, StringComparison.Ordinal);
        Assert.Contains(alignment.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Problem, StringComparison.Ordinal);
        Assert.Equal(bytes.Length - 4, ex.Offset); // the value is the last 4 bytes
    }

    [Theory]
    [InlineData(GgufValueType.UInt64)]
    [InlineData(GgufValueType.Int32)]
    [InlineData(GgufValueType.String)]
    public void Alignment_of_the_wrong_type_is_rejected(GgufValueType type)
    {
        object value = type switch { GgufValueType.UInt64 => 32UL, GgufValueType.Int32 => 32, _ => "32" };
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Load(new GgufTestWriter().Add("general.alignment", type, value).Build()));
        Assert.Equal("general.alignment", ex.Field);
        Assert.Contains("UInt32", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void F32_F16_and_BF16_views_read_the_values_written()
    {
        float[] values = [1.5f, -2.25f, 0f, 65504f, -0.0078125f, 3.0e38f, float.NegativeInfinity, 1e-3f];
        var f16 = new byte[values.Length * 2];
        var bf16 = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(f16.AsSpan(i * 2), (Half)values[i]);
            // bfloat16 = the top 16 bits of the float32 (these values are exact or truncation is fine for the check).
            BinaryPrimitives.WriteUInt16LittleEndian(bf16.AsSpan(i * 2), (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
        }
        var w = new GgufTestWriter()
            .AddTensor("f32", GgufTensorType.F32, [4, 2], GgufTestWriter.Floats(values))
            .AddTensor("f16", GgufTensorType.F16, [4, 2], f16)
            .AddTensor("bf16", GgufTensorType.BF16, [4, 2], bf16)
            .AddTensor("odd", GgufTensorType.F16, [3], new byte[6]);
        using var file = GgufFile.Load(w.Build());

        Assert.Equal(values, file.GetTensorData<float>(file.GetTensor("f32")).ToArray());
        var halves = file.GetTensorData<Half>(file.GetTensor("f16"));
        for (var i = 0; i < values.Length; i++) Assert.Equal((Half)values[i], halves[i]);

        var bt = file.GetTensor("bf16");
        Assert.Equal(GgufTensorType.BF16, bt.Type);
        Assert.Equal(16, bt.ByteSize);
        var raw = file.GetTensorData<ushort>(bt);
        for (var i = 0; i < values.Length; i++)
        {
            var widened = BitConverter.UInt32BitsToSingle((uint)raw[i] << 16);
            var expected = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(values[i]) & 0xFFFF0000u);
            Assert.Equal(expected, widened);
        }
        Assert.Equal(1.5f, BitConverter.UInt32BitsToSingle((uint)raw[0] << 16));
        // A view whose byte length is not a whole number of T is refused (6 bytes of F16 as float).
        Assert.Throws<InvalidOperationException>(() => file.GetTensorData<float>(file.GetTensor("odd")));
    }

    [Fact]
    public void Block_types_get_their_ggml_byte_sizes()
    {
        var w = new GgufTestWriter()
            .AddTensor("q8", GgufTensorType.Q8_0, [64, 3], new byte[2 * 34 * 3])
            .AddTensor("tq1", GgufTensorType.TQ1_0, [256, 2], new byte[54 * 2])
            .AddTensor("tq2", GgufTensorType.TQ2_0, [512], new byte[66 * 2])
            .AddTensor("i8", GgufTensorType.I8, [5], new byte[5])
            .AddTensor("q4k", GgufTensorType.Q4_K, [256, 1, 1, 2], new byte[144 * 2]);
        using var file = GgufFile.Load(w.Build());
        Assert.Equal([204L, 108, 132, 5, 288], file.Tensors.Select(t => t.ByteSize));
        Assert.Equal([256L, 1, 1, 2], file.GetTensor("q4k").Dimensions);
    }

    [Theory]
    [InlineData(2u)]
    [InlineData(3u)]
    public void A_file_without_tensors_loads(uint version)
    {
        var w = new GgufTestWriter { Version = version }.Add("general.architecture", "bitnet").Add("general.alignment", GgufValueType.UInt32, 64u);
        var bytes = w.Build();
        using var file = GgufFile.Load(bytes);
        Assert.Empty(file.Tensors);
        Assert.Equal(bytes.Length, file.DataStart); // no padding after the infos when there are no tensors
        Assert.Equal(64, file.Alignment);

        // The bare 24-byte header is also a complete (empty) file.
        using var bare = GgufFile.Load(new GgufTestWriter().Build());
        Assert.Equal(24, bare.Length);
        Assert.Empty(bare.Metadata);
        Assert.Null(bare.Architecture);
    }

    [Fact]
    public void Trailing_bytes_and_gaps_between_tensors_are_allowed()
    {
        var w = new GgufTestWriter { TrailingBytes = 100 }
            .AddTensor("a", GgufTensorType.F32, [1], GgufTestWriter.Floats(1), offset: 64)
            .AddTensor("b", GgufTensorType.F32, [1], GgufTestWriter.Floats(2), offset: 0);
        using var file = GgufFile.Load(w.Build());
        Assert.Equal(1f, file.GetTensorData<float>(file.GetTensor("a"))[0]);
        Assert.Equal(2f, file.GetTensorData<float>(file.GetTensor("b"))[0]);
    }

    [Fact]
    public void Open_maps_a_file_on_disk()
    {
        var w = new GgufTestWriter().Add("general.alignment", GgufValueType.UInt32, 32u).AddTensor("a", GgufTensorType.F32, [2], GgufTestWriter.Floats(5, 6));
        var path = Path.Combine(Path.GetTempPath(), $"gguf-roundtrip-{Guid.NewGuid():N}.gguf");
        File.WriteAllBytes(path, w.Build());
        try
        {
            using (var file = GgufFile.Open(path))
            {
                Assert.Equal(path, file.SourceName);
                Assert.Equal([5f, 6f], file.GetTensorData<float>(file.GetTensor("a")).ToArray());
            }
            File.Delete(path); // the mapping is released on dispose
            Assert.False(File.Exists(path));
        }
        finally
        {
            if (File.Exists(path)) File.Delete(path);
        }
        Assert.Throws<FileNotFoundException>(() => GgufFile.Open(path));
        Assert.Throws<ArgumentException>(() => GgufFile.Open(""));
        Assert.Throws<ArgumentNullException>(() => GgufFile.Load(null!));
    }
}
