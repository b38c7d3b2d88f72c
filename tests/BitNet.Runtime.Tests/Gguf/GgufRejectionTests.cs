using System.Text;
using BitNet.Runtime.Gguf;
using static BitNet.Runtime.Tests.Gguf.GgufTestWriter;

namespace BitNet.Runtime.Tests.Gguf;

/// <summary>
/// Each malformed construct is refused with <see cref="GgufFormatException"/> naming the field, the byte offset it was
/// read at, and what was expected.
/// </summary>
public sealed class GgufRejectionTests
{
    // Header layout: magic @0, version @4, tensor_count @8, metadata_kv_count @16, first KV @24.
    private const int FirstKv = 24;

    private static GgufFormatException Reject(byte[] bytes, string field, params string[] problemContains)
    {
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Load(bytes, "test.gguf"));
        Assert.Equal(field, ex.Field);
        foreach (var s in problemContains) Assert.Contains(s, ex.Problem, StringComparison.Ordinal);
        // The message carries everything: the source, the field, the offset and the problem.
        Assert.Contains("test.gguf", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{field}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ex.Problem, ex.Message, StringComparison.Ordinal);
        if (ex.Offset >= 0) Assert.Contains($"at byte {ex.Offset}", ex.Message, StringComparison.Ordinal);
        Assert.Equal("test.gguf", ex.SourceName);
        return ex;
    }

    private static GgufFormatException Reject(GgufTestWriter w, string field, params string[] problemContains) =>
        Reject(w.Build(), field, problemContains);

    private static GgufTestWriter OneTensor(uint type, ulong[] dims, int dataBytes, uint? nDims = null) =>
        new GgufTestWriter().Add("general.architecture", "llama").AddTensor("t", type, dims, new byte[dataBytes], nDims: nDims);

    // ---- Header

    [Fact]
    public void Empty_file()
    {
        var ex = Reject([], "magic", "truncated");
        Assert.Equal(0, ex.Offset);
    }

    [Fact]
    public void Empty_file_on_disk()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gguf-empty-{Guid.NewGuid():N}.gguf");
        File.WriteAllBytes(path, []);
        try
        {
            var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path));
            Assert.Equal("magic", ex.Field);
            Assert.Equal(path, ex.SourceName);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(3, "magic", 0)]
    [InlineData(4, "version", 4)]
    [InlineData(7, "version", 4)]
    [InlineData(8, "tensor_count", 8)]
    [InlineData(15, "tensor_count", 8)]
    [InlineData(16, "metadata_kv_count", 16)]
    [InlineData(23, "metadata_kv_count", 16)]
    public void File_shorter_than_the_header(int length, string field, long offset)
    {
        var full = new GgufTestWriter().Build();
        var ex = Reject(full[..length], field, "truncated", "more bytes");
        Assert.Equal(offset, ex.Offset);
    }

    [Fact]
    public void Bad_magic()
    {
        var ex = Reject(new GgufTestWriter { Magic = 0x4C4D4747 }.Build(), "magic", "GGUF", "0x4C4D4747");
        Assert.Equal(0, ex.Offset);
        Reject(Encoding.ASCII.GetBytes("PK\u0003\u0004 this is a zip file, not a model"), "magic", "not a GGUF file");
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(4u)]
    [InlineData(uint.MaxValue)]
    public void Unsupported_version(uint version)
    {
        var ex = Reject(new GgufTestWriter { Version = version }.Build(), "version", "expected 2 or 3", $"found {version}");
        Assert.Equal(4, ex.Offset);
    }

    [Theory]
    [InlineData(0x03000000u)]
    [InlineData(0x02000000u)]
    public void Big_endian_version(uint version)
    {
        // A big-endian v3 file stores 00 00 00 03, which reads as 0x03000000 little-endian.
        var ex = Reject(new GgufTestWriter { Version = version }.Build(), "version", "big-endian");
        Assert.Equal(4, ex.Offset);
    }

    [Theory]
    [InlineData(1UL << 17)]
    [InlineData(1UL << 40)]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 63)]
    public void Huge_tensor_count(ulong count)
    {
        var ex = Reject(new GgufTestWriter { TensorCountOverride = count }.Build(), "tensor_count", "at most 65536", $"found {count}");
        Assert.Equal(8, ex.Offset);
    }

    [Fact]
    public void Tensor_count_larger_than_the_file_can_hold()
    {
        // Under the cap, but 60,000 tensor infos cannot fit in a 24-byte file.
        var ex = Reject(new GgufTestWriter { TensorCountOverride = 60_000 }.Build(), "tensor_count", "truncated or the count is corrupt");
        Assert.Equal(8, ex.Offset);
    }

    [Theory]
    [InlineData(1UL << 17)]
    [InlineData(1UL << 32)]
    [InlineData(ulong.MaxValue)]
    public void Huge_kv_count(ulong count)
    {
        var ex = Reject(new GgufTestWriter { KvCountOverride = count }.Build(), "metadata_kv_count", "at most 65536");
        Assert.Equal(16, ex.Offset);
    }

    [Fact]
    public void Kv_count_larger_than_the_file_can_hold()
    {
        var w = new GgufTestWriter { KvCountOverride = 1000 }.Add("a", "b");
        Reject(w, "metadata_kv_count", "truncated or the count is corrupt");
        // Under what the file can hold, but the second key's bytes are missing.
        var bytes = Concat(new GgufTestWriter { KvCountOverride = 2 }.Add("a", "b").Build(), U64(100), new byte[6]);
        var ex = Reject(bytes, "metadata[1].key", "expected 100 more bytes", "truncated");
        Assert.Equal(FirstKv + (8 + 1 + 4 + 8 + 1) + 8, ex.Offset);
    }

    // ---- Metadata

    [Theory]
    [InlineData(1UL << 17)]
    [InlineData(1UL << 62)]
    [InlineData(ulong.MaxValue)]
    public void Huge_key_length(ulong length)
    {
        var bytes = Concat(new GgufTestWriter { KvCountOverride = 1 }.Build(), U64(length), new byte[64]);
        var ex = Reject(bytes, "metadata[0].key", "at most 65536 bytes", $"length of {length}");
        Assert.Equal(FirstKv, ex.Offset);
    }

    [Fact]
    public void Key_length_past_the_end_of_the_file()
    {
        var bytes = Concat(new GgufTestWriter { KvCountOverride = 1 }.Build(), U64(1000), new byte[64]);
        var ex = Reject(bytes, "metadata[0].key", "truncated");
        Assert.Equal(FirstKv + 8, ex.Offset);
    }

    [Theory]
    [InlineData(1UL << 30)]
    [InlineData(1UL << 62)]
    [InlineData(ulong.MaxValue)]
    public void Huge_string_value_length(ulong length)
    {
        var w = new GgufTestWriter().AddRaw("general.name", (uint)GgufValueType.String, Concat(U64(length), new byte[64]));
        var ex = Reject(w, "general.name", "at most", $"length of {length}");
        Assert.Equal(FirstKv + 8 + 12 + 4, ex.Offset);
    }

    [Fact]
    public void String_value_running_past_the_end_of_the_file()
    {
        var w = new GgufTestWriter().AddRaw("general.name", (uint)GgufValueType.String, Concat(U64(100), new byte[99]));
        Reject(w, "general.name", "expected 100 more bytes", "only 99 remain");
    }

    [Theory]
    [InlineData(GgufValueType.UInt8, 1UL << 25)]
    [InlineData(GgufValueType.Float32, 1UL << 40)]
    [InlineData(GgufValueType.String, ulong.MaxValue)]
    [InlineData(GgufValueType.Float64, 1UL << 63)]
    public void Huge_array_count(GgufValueType elementType, ulong count)
    {
        var w = new GgufTestWriter().AddRaw("a.big", (uint)GgufValueType.Array, Concat(U32((uint)elementType), U64(count), new byte[64]));
        var ex = Reject(w, "a.big.count", "at most 16777216", $"found {count}");
        Assert.Equal(FirstKv + 8 + 5 + 4 + 4, ex.Offset);
    }

    [Theory]
    [InlineData(GgufValueType.UInt8, 65UL)]
    [InlineData(GgufValueType.Int32, 17UL)]
    [InlineData(GgufValueType.String, 9UL)]
    [InlineData(GgufValueType.Float64, 1UL << 20)]
    public void Array_count_larger_than_the_file_can_hold(GgufValueType elementType, ulong count)
    {
        var w = new GgufTestWriter().AddRaw("a.big", (uint)GgufValueType.Array, Concat(U32((uint)elementType), U64(count), new byte[64]));
        Reject(w, "a.big.count", "truncated or the count is corrupt");
    }

    [Fact]
    public void Arrays_together_over_the_element_budget()
    {
        // Each array is under the per-array cap, but together they exceed the metadata-wide budget of 2^24 elements.
        var w = new GgufTestWriter()
            .AddRaw("a.one", (uint)GgufValueType.Array, Concat(U32((uint)GgufValueType.UInt8), U64(1UL << 23), new byte[1 << 23]))
            .AddRaw("a.two", (uint)GgufValueType.Array, Concat(U32((uint)GgufValueType.UInt8), U64(1UL << 23), new byte[1 << 23]))
            .AddRaw("a.three", (uint)GgufValueType.Array, Concat(U32((uint)GgufValueType.UInt8), U64(1), new byte[1]));
        Reject(w, "a.three.count", "in all");
    }

    [Fact]
    public void Nested_array()
    {
        var inner = Concat(U32((uint)GgufValueType.Int32), U64(1), U32(7));
        var w = new GgufTestWriter().AddRaw("a.nested", (uint)GgufValueType.Array, Concat(U32((uint)GgufValueType.Array), U64(1), inner));
        var ex = Reject(w, "a.nested", "nested arrays");
        Assert.Equal(FirstKv + 8 + 8 + 4, ex.Offset);
    }

    [Theory]
    [InlineData(13u)]
    [InlineData(255u)]
    [InlineData(uint.MaxValue)]
    public void Unknown_value_type(uint typeId)
    {
        var ex = Reject(new GgufTestWriter().AddRaw("k.x", typeId, new byte[16]), "k.x.type", $"unknown value type {typeId}");
        Assert.Equal(FirstKv + 8 + 3, ex.Offset);
    }

    [Theory]
    [InlineData(13u)]
    [InlineData(0x80000000u)]
    public void Unknown_array_element_type(uint typeId)
    {
        var w = new GgufTestWriter().AddRaw("k.arr", (uint)GgufValueType.Array, Concat(U32(typeId), U64(1), new byte[16]));
        Reject(w, "k.arr", $"unknown array element type {typeId}");
    }

    [Theory]
    [InlineData((byte)2)]
    [InlineData((byte)0xFF)]
    public void Invalid_bool_byte(byte b)
    {
        var w = new GgufTestWriter().Add("a", "b").AddRaw("flag", (uint)GgufValueType.Bool, [b]);
        var bytes = w.Build();
        var ex = Reject(bytes, "flag", "0 or 1", $"found {b}");
        Assert.Equal(bytes.Length - 1, ex.Offset);
    }

    [Fact]
    public void Invalid_bool_byte_in_an_array()
    {
        var w = new GgufTestWriter().AddRaw("flags", (uint)GgufValueType.Array, Concat(U32((uint)GgufValueType.Bool), U64(4), [1, 0, 7, 1]));
        var bytes = w.Build();
        var ex = Reject(bytes, "flags[2]", "0 or 1", "found 7");
        Assert.Equal(bytes.Length - 2, ex.Offset);
    }

    [Fact]
    public void Duplicate_key()
    {
        var w = new GgufTestWriter().Add("general.name", "a").Add("general.architecture", "llama").Add("general.name", "b");
        var ex = Reject(w, "general.name", "more than once");
        Assert.Equal(FirstKv + (8 + 12 + 4 + 8 + 1) + (8 + 20 + 4 + 8 + 5), ex.Offset);
    }

    [Fact]
    public void Empty_key()
    {
        var ex = Reject(new GgufTestWriter().Add("", "value"), "metadata[0].key", "non-empty");
        Assert.Equal(FirstKv, ex.Offset);
    }

    [Fact]
    public void Invalid_utf8_key()
    {
        var w = new GgufTestWriter().Add("ok.key", "x").AddRaw([(byte)'k', 0xC3, 0x28, (byte)'y'], (uint)GgufValueType.UInt8, [1]);
        var ex = Reject(w, "metadata[1].key", "not valid UTF-8");
        Assert.Equal(FirstKv + 8 + 6 + 4 + 8 + 1, ex.Offset);
    }

    [Fact]
    public void Invalid_utf8_string_value_and_array_element()
    {
        Reject(new GgufTestWriter().AddRaw("general.name", (uint)GgufValueType.String, Str([0xFF, 0xFE])), "general.name", "UTF-8");
        Reject(new GgufTestWriter().AddRaw("tokens", (uint)GgufValueType.Array, Concat(U32((uint)GgufValueType.String), U64(2), Str("a"), Str([0xED, 0xA0, 0x80]))),
               "tokens[1]", "UTF-8"); // an encoded surrogate is not valid UTF-8
    }

    // ---- Tensor infos

    [Fact]
    public void Duplicate_tensor_name()
    {
        var w = new GgufTestWriter().AddTensor("w", GgufTensorType.F32, [1], new byte[4]).AddTensor("w", GgufTensorType.F32, [1], new byte[4]);
        var ex = Reject(w, "tensor_infos[1].name", "'w'", "more than once");
        Assert.Equal(FirstKv + (8 + 1 + 4 + 8 + 4 + 8), ex.Offset);
    }

    [Fact]
    public void Tensor_name_empty_or_too_long()
    {
        Reject(new GgufTestWriter().AddTensor("", GgufTensorType.F32, [1], new byte[4]), "tensor_infos[0].name", "1 to 63 bytes");
        using (var ok = GgufFile.Load(new GgufTestWriter().AddTensor(new string('n', 63), GgufTensorType.F32, [1], new byte[4]).Build()))
            Assert.Single(ok.Tensors);
        Reject(new GgufTestWriter().AddTensor(new string('n', 64), GgufTensorType.F32, [1], new byte[4]), "tensor_infos[0].name", "1 to 63 bytes", "found 64");
        Reject(new GgufTestWriter().AddTensor(new string('n', 65), GgufTensorType.F32, [1], new byte[4]), "tensor_infos[0].name", "at most 64 bytes");
        Reject(new GgufTestWriter().AddTensor([0x80], 0, [1], new byte[4]), "tensor_infos[0].name", "UTF-8");
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(5u)]
    [InlineData(uint.MaxValue)]
    public void Bad_n_dims(uint nDims)
    {
        var ex = Reject(OneTensor(0, [4], 16, nDims), "tensor 't'.n_dims", "1 to 4 dimensions", $"found {nDims}");
        Assert.Equal(FirstKv + (8 + 20 + 4 + 8 + 5) + 8 + 1, ex.Offset);
    }

    [Fact]
    public void Zero_dimension()
    {
        var ex = Reject(OneTensor(0, [4, 0], 16), "tensor 't'.dims[1]", "from 1 to", "found 0");
        Assert.Equal(FirstKv + (8 + 20 + 4 + 8 + 5) + 8 + 1 + 4 + 8, ex.Offset);
    }

    [Theory]
    [InlineData(1UL << 43)]
    [InlineData(1UL << 63)]
    [InlineData(ulong.MaxValue)]
    public void Dimension_too_large_or_negative_as_int64(ulong dim)
    {
        Reject(OneTensor(0, [dim], 16), "tensor 't'.dims[0]", $"found {dim}");
    }

    [Theory]
    [InlineData(1UL << 40, 1UL << 40)]
    [InlineData(1UL << 21, 1UL << 21, 1UL << 21)]
    [InlineData(65536UL, 65536UL, 65536UL, 65536UL)]
    public void Element_count_overflow(params ulong[] dims)
    {
        var ex = Reject(OneTensor(0, dims, 16), "tensor 't'.dims", "element count exceeds");
        Assert.Equal(FirstKv + (8 + 20 + 4 + 8 + 5) + 8 + 1, ex.Offset); // the n_dims field that starts the shape
    }

    [Theory]
    [InlineData(4u)]   // retired Q4_2
    [InlineData(31u)]  // retired Q4_0_4_4
    [InlineData(37u)]  // retired upstream; I8_S (activation-only) in the bitnet fork
    [InlineData(38u)]
    [InlineData(43u)]
    [InlineData(1000u)]
    [InlineData(uint.MaxValue)]
    public void Unknown_tensor_type(uint type)
    {
        var ex = Reject(OneTensor(type, [256], 1024), "tensor 't'.type", $"unknown ggml tensor type id {type}");
        Assert.Equal(FirstKv + (8 + 20 + 4 + 8 + 5) + 8 + 1 + 4 + 8, ex.Offset);
    }

    [Theory]
    [InlineData(GgufTensorType.Q8_0, 33UL)]
    [InlineData(GgufTensorType.TQ2_0, 128UL)]
    [InlineData(GgufTensorType.TQ1_0, 300UL)]
    [InlineData(GgufTensorType.Q4_K, 255UL)]
    public void Row_length_not_a_multiple_of_the_block_size(GgufTensorType type, ulong rowLength)
    {
        Reject(OneTensor((uint)type, [rowLength, 2], 4096), "tensor 't'.dims[0]", $"blocks of {GgufTensorTypes.Geometry(type).BlockSize}", $"row length is {rowLength}");
    }

    [Fact]
    public void I2_S_row_length_not_a_multiple_of_4()
    {
        var w = new GgufTestWriter().Add("general.architecture", "bitnet").AddTensor("t", 36u, [6, 2], new byte[64]);
        Reject(w, "tensor 't'.dims[0]", "row length is 6");
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(16UL)]
    [InlineData(33UL)]
    public void Misaligned_offset(ulong offset)
    {
        var w = new GgufTestWriter().AddTensor("t", GgufTensorType.F32, [1], new byte[4], offset: offset);
        var ex = Reject(w, "tensor 't'.offset", "multiple of the alignment 32", $"found {offset}");
        Assert.Equal(FirstKv + 8 + 1 + 4 + 8 + 4, ex.Offset);
    }

    [Theory]
    [InlineData(1UL << 40)]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 63)]
    public void Offset_beyond_the_file(ulong offset)
    {
        var w = new GgufTestWriter().AddTensor("t", GgufTensorType.F32, [1], new byte[4], offset: 0);
        var bytes = w.Build();
        U64(offset).CopyTo(bytes, FirstKv + 8 + 1 + 4 + 8 + 4);
        Reject(bytes, "tensor 't'.offset", "beyond the end of the file");
    }

    [Fact]
    public void Tensor_data_past_the_end_of_the_file()
    {
        // Declares 8 floats, stores 7.
        var w = new GgufTestWriter().AddTensor("a", GgufTensorType.F32, [4], new byte[16]).AddTensor("t", GgufTensorType.F32, [8], new byte[28]);
        var ex = Reject(w, "tensor 't'.offset", "32 bytes", "past the end of the file", "truncated");
        Assert.True(ex.Offset > FirstKv);
    }

    [Fact]
    public void Data_section_start_past_the_end_of_the_file()
    {
        // The infos end at a non-aligned position and the file stops before the next boundary.
        var w = new GgufTestWriter().AddTensor("t", GgufTensorType.F32, [1], []);
        var bytes = w.Build();
        var infosEnd = FirstKv + 8 + 1 + 4 + 8 + 4 + 8;
        Assert.NotEqual(0, infosEnd % 32);
        Reject(bytes[..infosEnd], "tensor_data", "should start at byte 64", "truncated");
    }

    [Fact]
    public void Overlapping_tensors()
    {
        var w = new GgufTestWriter()
            .AddTensor("a", GgufTensorType.F32, [16], new byte[64], offset: 0)
            .AddTensor("b", GgufTensorType.F32, [8], new byte[32], offset: 32);
        var ex = Reject(w, "tensor 'b'.offset", "overlaps", "'a'");
        Assert.True(ex.Offset > FirstKv, "the overlap error points at the offending tensor's offset field");

        // The same offset twice, and an overlap found only after sorting by offset.
        Reject(new GgufTestWriter().AddTensor("a", GgufTensorType.F32, [1], new byte[4], 0).AddTensor("b", GgufTensorType.F32, [1], new byte[4], 0),
               "tensor 'b'.offset", "overlaps");
        Reject(new GgufTestWriter()
                .AddTensor("late", GgufTensorType.F32, [1], new byte[4], 128)
                .AddTensor("early", GgufTensorType.F32, [40], new byte[160], 0),
               "tensor 'late'.offset", "overlaps", "'early'");
    }
}
