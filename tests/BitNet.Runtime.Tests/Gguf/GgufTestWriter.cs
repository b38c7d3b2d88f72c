using System.Buffers.Binary;
using System.Text;
using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Tests.Gguf;

/// <summary>
/// Builds synthetic GGUF images for tests, written from the format description (docs/gguf.md), independently of the
/// reader under test. Every field can be overridden, so the same writer produces both valid files and the malformed
/// files the rejection tests need.
/// </summary>
internal sealed class GgufTestWriter
{
    private readonly List<byte[]> _kvs = [];
    private readonly List<Tensor> _tensors = [];

    /// <summary>The magic as a little-endian uint32 ("GGUF").</summary>
    public uint Magic { get; set; } = 0x46554747;

    /// <summary>The version field as written.</summary>
    public uint Version { get; set; } = 3;

    /// <summary>Written instead of the real tensor count when set.</summary>
    public ulong? TensorCountOverride { get; set; }

    /// <summary>Written instead of the real KV count when set.</summary>
    public ulong? KvCountOverride { get; set; }

    /// <summary>The alignment used to lay out tensor data (does not add a <c>general.alignment</c> key).</summary>
    public int Alignment { get; set; } = 32;

    /// <summary>Zero bytes appended after the last tensor.</summary>
    public int TrailingBytes { get; set; }

    /// <summary>The absolute offset where tensor data started in the last <see cref="Build"/>.</summary>
    public long DataStart { get; private set; }

    private sealed record Tensor(byte[] Name, uint NDims, ulong[] Dims, uint Type, byte[] Data, ulong? Offset);

    // ---- Metadata

    /// <summary>Adds a scalar or string KV; the CLR type of <paramref name="value"/> must match <paramref name="type"/>.</summary>
    public GgufTestWriter Add(string key, GgufValueType type, object value) => AddRaw(key, (uint)type, EncodeScalar(type, value));

    /// <summary>Adds a string KV.</summary>
    public GgufTestWriter Add(string key, string value) => Add(key, GgufValueType.String, value);

    /// <summary>Adds an array KV of scalars or strings.</summary>
    public GgufTestWriter AddArray(string key, GgufValueType elementType, Array values)
    {
        var body = new MemoryStream();
        body.Write(U32((uint)elementType));
        body.Write(U64((ulong)values.Length));
        foreach (var v in values) body.Write(EncodeScalar(elementType, v!));
        return AddRaw(key, (uint)GgufValueType.Array, body.ToArray());
    }

    /// <summary>Adds a KV whose value bytes (everything after the type tag) are given verbatim.</summary>
    public GgufTestWriter AddRaw(string key, uint typeId, byte[] valueBytes) => AddRaw(Encoding.UTF8.GetBytes(key), typeId, valueBytes);

    /// <summary>Adds a KV with raw key bytes (e.g. invalid UTF-8) and raw value bytes.</summary>
    public GgufTestWriter AddRaw(byte[] keyBytes, uint typeId, byte[] valueBytes)
    {
        _kvs.Add(Concat(Str(keyBytes), U32(typeId), valueBytes));
        return this;
    }

    /// <summary>Adds a KV whose bytes (key, type and value) are given verbatim.</summary>
    public GgufTestWriter AddVerbatim(byte[] kvBytes)
    {
        _kvs.Add(kvBytes);
        return this;
    }

    // ---- Tensors

    /// <summary>
    /// Adds a tensor. <paramref name="data"/> is placed at <paramref name="offset"/> (relative to the data section), or
    /// at the next aligned offset after the previous tensor when it is null. <paramref name="nDims"/> overrides the
    /// written dimension count (the dims written are still <paramref name="dims"/>).
    /// </summary>
    public GgufTestWriter AddTensor(string name, uint type, ulong[] dims, byte[] data, ulong? offset = null, uint? nDims = null) =>
        AddTensor(Encoding.UTF8.GetBytes(name), type, dims, data, offset, nDims);

    /// <inheritdoc cref="AddTensor(string, uint, ulong[], byte[], ulong?, uint?)"/>
    public GgufTestWriter AddTensor(string name, GgufTensorType type, ulong[] dims, byte[] data, ulong? offset = null) =>
        AddTensor(name, (uint)type, dims, data, offset);

    /// <summary>Adds a tensor with raw name bytes.</summary>
    public GgufTestWriter AddTensor(byte[] name, uint type, ulong[] dims, byte[] data, ulong? offset = null, uint? nDims = null)
    {
        _tensors.Add(new Tensor(name, nDims ?? (uint)dims.Length, dims, type, data, offset));
        return this;
    }

    // ---- Output

    /// <summary>Writes the image.</summary>
    public byte[] Build()
    {
        var s = new MemoryStream();
        s.Write(U32(Magic));
        s.Write(U32(Version));
        s.Write(U64(TensorCountOverride ?? (ulong)_tensors.Count));
        s.Write(U64(KvCountOverride ?? (ulong)_kvs.Count));
        foreach (var kv in _kvs) s.Write(kv);

        var offsets = new ulong[_tensors.Count];
        ulong next = 0;
        for (var i = 0; i < _tensors.Count; i++)
        {
            var t = _tensors[i];
            offsets[i] = t.Offset ?? next;
            next = AlignUp(offsets[i] + (ulong)t.Data.Length, (ulong)Alignment);
            s.Write(Str(t.Name));
            s.Write(U32(t.NDims));
            foreach (var d in t.Dims) s.Write(U64(d));
            s.Write(U32(t.Type));
            s.Write(U64(offsets[i]));
        }

        DataStart = _tensors.Count == 0 ? s.Length : (long)AlignUp((ulong)s.Length, (ulong)Alignment);
        s.SetLength(DataStart);
        s.Position = DataStart;
        for (var i = 0; i < _tensors.Count; i++)
        {
            var at = DataStart + (long)offsets[i];
            if (s.Length < at) s.SetLength(at);
            s.Position = at;
            s.Write(_tensors[i].Data);
        }
        s.SetLength(s.Length + TrailingBytes);
        return s.ToArray();
    }

    // ---- Encoding helpers (public so tests can hand-craft raw values)

    public static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return b;
    }

    public static byte[] U64(ulong v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return b;
    }

    public static byte[] Str(string s) => Str(Encoding.UTF8.GetBytes(s));

    public static byte[] Str(byte[] utf8) => Concat(U64((ulong)utf8.Length), utf8);

    public static byte[] Concat(params byte[][] parts)
    {
        var result = new byte[parts.Sum(p => p.Length)];
        var at = 0;
        foreach (var p in parts)
        {
            p.CopyTo(result, at);
            at += p.Length;
        }
        return result;
    }

    public static byte[] Floats(params float[] values)
    {
        var b = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(i * 4), values[i]);
        return b;
    }

    public static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) / alignment * alignment;

    public static byte[] EncodeScalar(GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: return [(byte)value];
            case GgufValueType.Int8: return [unchecked((byte)(sbyte)value)];
            case GgufValueType.Bool: return [(bool)value ? (byte)1 : (byte)0];
            case GgufValueType.UInt16: { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value); return b; }
            case GgufValueType.Int16: { var b = new byte[2]; BinaryPrimitives.WriteInt16LittleEndian(b, (short)value); return b; }
            case GgufValueType.UInt32: return U32((uint)value);
            case GgufValueType.Int32: { var b = new byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, (int)value); return b; }
            case GgufValueType.Float32: { var b = new byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, (float)value); return b; }
            case GgufValueType.UInt64: return U64((ulong)value);
            case GgufValueType.Int64: { var b = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, (long)value); return b; }
            case GgufValueType.Float64: { var b = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, (double)value); return b; }
            case GgufValueType.String: return Str((string)value);
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "not a scalar type");
        }
    }
}
