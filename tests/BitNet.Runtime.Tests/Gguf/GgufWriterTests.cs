using BitNet.Runtime.Gguf;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Gguf;

/// <summary>
/// <see cref="GgufWriter"/> writes what <see cref="GgufFile"/> reads back exactly, and byte for byte what the test-side
/// <see cref="GgufTestWriter"/> (written from the format description) builds for the same content.
/// </summary>
public sealed class GgufWriterTests
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
        ("t.bool", GgufValueType.Bool, true),
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
        ("a.string", GgufValueType.String, new[] { "a", "", "ünïcödé", "<0x0A>", new string('x', 300) }),
        ("a.u64", GgufValueType.UInt64, new ulong[] { 0, 1UL << 63, ulong.MaxValue }),
        ("a.i64", GgufValueType.Int64, new[] { long.MinValue, 0L, long.MaxValue }),
        ("a.f64", GgufValueType.Float64, new[] { double.NegativeInfinity, 0.1, 1e-300 }),
        ("a.empty_i32", GgufValueType.Int32, Array.Empty<int>()),
        ("a.empty_string", GgufValueType.String, Array.Empty<string>()),
    ];

    // Tensors of several types and sizes, so that padding is needed between most of them.
    private static readonly (string Name, GgufTensorType Type, long[] Dims)[] s_tensors =
    [
        ("f32.vector", GgufTensorType.F32, [5]),
        ("f16.matrix", GgufTensorType.F16, [3, 7]),
        ("tq2.matrix", GgufTensorType.TQ2_0, [256, 3]),
        ("tq1.matrix", GgufTensorType.TQ1_0, [512, 1]),
        ("i2s.matrix", GgufTensorType.I2_S, [128, 3]),
        ("i8.cube", GgufTensorType.I8, [3, 2, 5]),
    ];

    private static void AddEverything(GgufWriter w)
    {
        w.AddString("general.architecture", "bitnet-25");
        foreach (var (key, type, value) in s_scalars)
        {
            switch (type)
            {
                case GgufValueType.UInt8: w.AddUInt8(key, (byte)value); break;
                case GgufValueType.Int8: w.AddInt8(key, (sbyte)value); break;
                case GgufValueType.UInt16: w.AddUInt16(key, (ushort)value); break;
                case GgufValueType.Int16: w.AddInt16(key, (short)value); break;
                case GgufValueType.UInt32: w.AddUInt32(key, (uint)value); break;
                case GgufValueType.Int32: w.AddInt32(key, (int)value); break;
                case GgufValueType.Float32: w.AddFloat32(key, (float)value); break;
                case GgufValueType.Bool: w.AddBool(key, (bool)value); break;
                case GgufValueType.String: w.AddString(key, (string)value); break;
                case GgufValueType.UInt64: w.AddUInt64(key, (ulong)value); break;
                case GgufValueType.Int64: w.AddInt64(key, (long)value); break;
                case GgufValueType.Float64: w.AddFloat64(key, (double)value); break;
            }
        }
        foreach (var (key, _, values) in s_arrays)
        {
            // By exact type: the CLR lets sbyte[] pass as byte[] (and int[] as uint[], …) in type tests.
            switch (values.GetType().Name)
            {
                case nameof(Byte) + "[]": w.AddArray(key, (byte[])values); break;
                case nameof(SByte) + "[]": w.AddArray(key, (sbyte[])values); break;
                case nameof(UInt16) + "[]": w.AddArray(key, (ushort[])values); break;
                case nameof(Int16) + "[]": w.AddArray(key, (short[])values); break;
                case nameof(UInt32) + "[]": w.AddArray(key, (uint[])values); break;
                case nameof(Int32) + "[]": w.AddArray(key, (int[])values); break;
                case nameof(Single) + "[]": w.AddArray(key, (float[])values); break;
                case nameof(Boolean) + "[]": w.AddArray(key, (bool[])values); break;
                case nameof(String) + "[]": w.AddArray(key, (string[])values); break;
                case nameof(UInt64) + "[]": w.AddArray(key, (ulong[])values); break;
                case nameof(Int64) + "[]": w.AddArray(key, (long[])values); break;
                case nameof(Double) + "[]": w.AddArray(key, (double[])values); break;
                default: throw new InvalidOperationException(values.GetType().Name);
            }
        }
        foreach (var (name, type, dims) in s_tensors) w.AddTensor(name, type, dims);
    }

    /// <summary>Distinct, recognizable bytes for tensor <paramref name="index"/>.</summary>
    private static byte[] TensorBytes(int index, long size)
    {
        var data = new byte[size];
        for (var i = 0; i < data.Length; i++) data[i] = (byte)(index * 37 + i * 11 + 1);
        return data;
    }

    private static byte[] WriteEverything(int alignment, int chunk)
    {
        using var stream = new MemoryStream();
        using (var w = new GgufWriter(stream, alignment, leaveOpen: true))
        {
            AddEverything(w);
            var file = w.TotalLength;
            for (var i = 0; i < s_tensors.Length; i++)
            {
                var data = TensorBytes(i, w.CurrentTensorRemaining);
                Assert.Equal(s_tensors[i].Name, w.CurrentTensor);
                for (var at = 0; at < data.Length; at += chunk) w.WriteData(data.AsSpan(at, Math.Min(chunk, data.Length - at)));
            }
            Assert.Null(w.CurrentTensor);
            w.Complete();
            Assert.Equal(file, w.BytesWritten);
            Assert.Equal(file, stream.Length);
        }
        return stream.ToArray();
    }

    [Theory]
    [InlineData(32, 1_000_000)]
    [InlineData(32, 7)]
    [InlineData(64, 13)]
    [InlineData(8, 1)]
    public void EveryValueTypeAndTensor_ReadsBack(int alignment, int chunk)
    {
        var bytes = WriteEverything(alignment, chunk);
        using var file = GgufFile.Load(bytes);

        Assert.Equal(3u, file.Version);
        Assert.Equal(alignment, file.Alignment);
        Assert.Equal(alignment != 32, file.Metadata.ContainsKey("general.alignment"));
        foreach (var (key, type, value) in s_scalars)
        {
            var v = file.Metadata[key];
            Assert.Equal(type, v.Type);
            Assert.Equal(value, v.Value);
        }
        foreach (var (key, type, values) in s_arrays)
        {
            var v = file.Metadata[key];
            Assert.Equal(GgufValueType.Array, v.Type);
            Assert.Equal(type, v.ElementType);
            Assert.Equal(values, (Array)v.Value);
        }
        // Metadata in the order added (general.alignment first when written).
        var keys = file.Metadata.Values.Select(v => v.Key).Where(k => k != "general.alignment").ToArray();
        Assert.Equal(["general.architecture", .. s_scalars.Select(s => s.Key), .. s_arrays.Select(a => a.Key)], keys);

        Assert.Equal(s_tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
        Assert.Equal(0, file.DataStart % alignment);
        for (var i = 0; i < s_tensors.Length; i++)
        {
            var t = file.Tensors[i];
            Assert.Equal(s_tensors[i].Type, t.Type);
            Assert.Equal(s_tensors[i].Dims, t.Dimensions);
            Assert.Equal(0, t.DataOffset % alignment);
            Assert.Equal(TensorBytes(i, t.ByteSize), file.GetTensorBytes(t).ToArray());
        }
        Assert.Equal(bytes.Length, file.Tensors[^1].DataOffset + file.Tensors[^1].ByteSize);
    }

    [Fact]
    public void Bytes_EqualTheTestWritersImage()
    {
        var ours = WriteEverything(32, 1 << 20);

        var reference = new GgufTestWriter().Add("general.architecture", "bitnet-25");
        foreach (var (key, type, value) in s_scalars) reference.Add(key, type, value);
        foreach (var (key, type, values) in s_arrays) reference.AddArray(key, type, values);
        for (var i = 0; i < s_tensors.Length; i++)
        {
            var (name, type, dims) = s_tensors[i];
            var size = GgufTensorTypes.ByteSize(type, dims[0], dims.Aggregate(1L, (a, b) => a * b));
            reference.AddTensor(name, type, [.. dims.Select(d => (ulong)d)], TensorBytes(i, size));
        }
        Assert.Equal(reference.Build(), ours);
    }

    [Fact]
    public void ShippedModelMetadata_CopiesThroughAddValue()
    {
        using var source = GgufFile.Open(TinyModel.Path);
        using var stream = new MemoryStream();
        using (var w = new GgufWriter(stream, leaveOpen: true))
        {
            foreach (var v in source.Metadata.Values) w.Add(v);
            w.Complete();
        }
        using var copy = GgufFile.Load(stream.ToArray());
        Assert.Empty(copy.Tensors);
        Assert.Equal(source.Metadata.Count, copy.Metadata.Count);
        foreach (var v in source.Metadata.Values)
        {
            var c = copy.Metadata[v.Key];
            Assert.Equal((v.Type, v.ElementType), (c.Type, c.ElementType));
            if (v.Value is Array a) Assert.Equal(a, (Array)c.Value);
            else Assert.Equal(v.Value, c.Value);
        }
    }

    [Fact]
    public void NonSeekableStream_IsEnough()
    {
        using var inner = new MemoryStream();
        using (var w = new GgufWriter(new ForwardOnlyStream(inner), leaveOpen: false))
        {
            w.AddString("general.architecture", "bitnet");
            w.AddTensor("v", GgufTensorType.F32, 3);
            w.WriteData(new byte[12]);
            w.Complete();
        }
        using var file = GgufFile.Load(inner.ToArray());
        Assert.Equal(12, file.GetTensor("v").ByteSize);
    }

    [Fact]
    public void MisuseIsRefused()
    {
        using var w = new GgufWriter(new MemoryStream());
        w.AddString("k", "v");
        Assert.Throws<ArgumentException>(() => w.AddUInt32("k", 1));
        Assert.Throws<ArgumentException>(() => w.AddUInt32("general.alignment", 64));
        Assert.Throws<ArgumentException>(() => w.AddString("", "v"));
        w.AddTensor("t", GgufTensorType.TQ2_0, 256, 2);
        Assert.Throws<ArgumentException>(() => w.AddTensor("t", GgufTensorType.F32, 4));
        Assert.Throws<ArgumentException>(() => w.AddTensor(new string('n', 64), GgufTensorType.F32, 4));
        Assert.Throws<ArgumentException>(() => w.AddTensor("rows", GgufTensorType.TQ2_0, 100, 2));
        Assert.Throws<ArgumentException>(() => w.AddTensor("dims", GgufTensorType.F32));
        Assert.Throws<ArgumentException>(() => w.AddTensor("zero", GgufTensorType.F32, 4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.AddTensor("type", (GgufTensorType)99, 4));
        w.AddTensor("u", GgufTensorType.F32, 2);

        w.WriteData(new byte[100]);
        Assert.Equal(32, w.CurrentTensorRemaining);
        Assert.Throws<InvalidOperationException>(() => w.WriteData(new byte[33]));   // past the end of "t"
        Assert.Throws<InvalidOperationException>(() => w.AddUInt8("late", 1));       // header already written
        Assert.Throws<InvalidOperationException>(() => w.AddTensor("late", GgufTensorType.F32, 1));
        w.WriteData(new byte[32]);
        Assert.Equal("u", w.CurrentTensor);
        Assert.Throws<InvalidOperationException>(w.Complete);                        // "u" has no bytes yet
        w.WriteData(new byte[8]);
        Assert.Throws<InvalidOperationException>(() => w.WriteData(new byte[1]));    // nothing left to write
        w.Complete();
        Assert.Throws<ArgumentOutOfRangeException>(() => new GgufWriter(new MemoryStream(), alignment: 48));
    }

    [Fact]
    public void I2S_NeedsABitnetCppArchitecture()
    {
        using var w = new GgufWriter(new MemoryStream());
        w.AddString("general.architecture", "llama");
        w.AddTensor("w", GgufTensorType.I2_S, 128, 1);
        var e = Assert.Throws<InvalidOperationException>(w.WriteHeader);
        Assert.Contains("llama", e.Message, StringComparison.Ordinal);
    }

    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
