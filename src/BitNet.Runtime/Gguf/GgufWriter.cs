using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace BitNet.Runtime.Gguf;

/// <summary>
/// Writes a GGUF v3 file as a stream: metadata and tensor infos are declared first, then the tensors' bytes are written
/// in declaration order, so a multi-gigabyte model never has to be held in memory.
/// </summary>
/// <remarks>
/// <para>Usage: add metadata (<c>Add…</c>) and tensors (<see cref="AddTensor"/>); then call <see cref="WriteData"/>
/// repeatedly with each tensor's bytes, in order and in chunks of any size that do not cross a tensor's end; then
/// <see cref="Complete"/>. The header (magic, version, counts, metadata, tensor infos) is written on the first
/// <see cref="WriteData"/> or by <see cref="WriteHeader"/>; the writer inserts the zero padding that aligns the data
/// section and every tensor to <see cref="Alignment"/>.</para>
/// <para>Tensor byte sizes come from <see cref="GgufTensorTypes.ByteSize"/>, the same rule <see cref="GgufFile"/> reads
/// with, so offsets agree by construction. The writer refuses what the reader would refuse: duplicate keys or tensor
/// names, names over 63 bytes, 0 or more than 4 dimensions, rows that are not whole blocks, and I2_S (id 36) tensors
/// in a file whose <c>general.architecture</c> is not a bitnet.cpp one.</para>
/// <para>Not thread-safe.</para>
/// </remarks>
public sealed class GgufWriter : IDisposable
{
    /// <summary>The GGUF version written.</summary>
    public const uint Version = 3;

    private const string AlignmentKey = "general.alignment";

    private static readonly HashSet<string> s_bitnetCppArchitectures = new(StringComparer.Ordinal) { "bitnet", "bitnet-b1.58", "bitnet-25" };

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly List<(string Key, GgufValueType Type, GgufValueType ElementType, object Value)> _metadata = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly List<TensorEntry> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);
    private readonly byte[] _scratch = new byte[16];
    private long _dataLength;
    private long _dataStart;
    private long _position;
    private bool _headerWritten;
    private bool _completed;
    private int _current;          // the tensor WriteData is filling
    private long _currentWritten;  // bytes of it written so far

    private sealed record TensorEntry(string Name, long[] Dimensions, GgufTensorType Type, long Offset, long ByteSize);

    /// <summary>Writes to <paramref name="stream"/> (which need not be seekable).</summary>
    /// <param name="stream">The destination.</param>
    /// <param name="alignment">The alignment of the data section and of every tensor: a power of two from 8 to 1 MiB.
    /// Values other than 32 (the GGUF default) are recorded as <c>general.alignment</c>.</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves the stream open.</param>
    public GgufWriter(Stream stream, int alignment = GgufFile.DefaultAlignment, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("The stream is not writable.", nameof(stream));
        if (alignment < 8 || alignment > (1 << 20) || (alignment & (alignment - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "The alignment must be a power of two from 8 to 1048576.");
        _stream = stream;
        _leaveOpen = leaveOpen;
        Alignment = alignment;
        if (alignment != GgufFile.DefaultAlignment)
        {
            _keys.Add(AlignmentKey);
            _metadata.Add((AlignmentKey, GgufValueType.UInt32, GgufValueType.UInt32, (uint)alignment));
        }
    }

    /// <summary>Creates (or overwrites) a file and writes to it through a 1 MiB buffer.</summary>
    public static GgufWriter Create(string path, int alignment = GgufFile.DefaultAlignment)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.SequentialScan);
        try
        {
            return new GgufWriter(stream, alignment);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The alignment of the data section and of each tensor.</summary>
    public int Alignment { get; }

    /// <summary>Metadata entries added so far.</summary>
    public int MetadataCount => _metadata.Count;

    /// <summary>Tensors declared so far.</summary>
    public int TensorCount => _tensors.Count;

    /// <summary>Bytes written to the stream so far.</summary>
    public long BytesWritten => _position;

    /// <summary>The size of the tensor-data section (every tensor and the padding between them).</summary>
    public long DataLength => _dataLength;

    /// <summary>The size of the finished file: the header and its padding plus <see cref="DataLength"/>.</summary>
    public long TotalLength => _tensors.Count == 0 ? HeaderLength() : AlignUp(HeaderLength(), Alignment) + _dataLength;

    // ---- Metadata

    /// <summary>Adds a UInt8 value.</summary>
    public GgufWriter AddUInt8(string key, byte value) => AddEntry(key, GgufValueType.UInt8, GgufValueType.UInt8, value);

    /// <summary>Adds an Int8 value.</summary>
    public GgufWriter AddInt8(string key, sbyte value) => AddEntry(key, GgufValueType.Int8, GgufValueType.Int8, value);

    /// <summary>Adds a UInt16 value.</summary>
    public GgufWriter AddUInt16(string key, ushort value) => AddEntry(key, GgufValueType.UInt16, GgufValueType.UInt16, value);

    /// <summary>Adds an Int16 value.</summary>
    public GgufWriter AddInt16(string key, short value) => AddEntry(key, GgufValueType.Int16, GgufValueType.Int16, value);

    /// <summary>Adds a UInt32 value.</summary>
    public GgufWriter AddUInt32(string key, uint value) => AddEntry(key, GgufValueType.UInt32, GgufValueType.UInt32, value);

    /// <summary>Adds an Int32 value.</summary>
    public GgufWriter AddInt32(string key, int value) => AddEntry(key, GgufValueType.Int32, GgufValueType.Int32, value);

    /// <summary>Adds a UInt64 value.</summary>
    public GgufWriter AddUInt64(string key, ulong value) => AddEntry(key, GgufValueType.UInt64, GgufValueType.UInt64, value);

    /// <summary>Adds an Int64 value.</summary>
    public GgufWriter AddInt64(string key, long value) => AddEntry(key, GgufValueType.Int64, GgufValueType.Int64, value);

    /// <summary>Adds a Float32 value.</summary>
    public GgufWriter AddFloat32(string key, float value) => AddEntry(key, GgufValueType.Float32, GgufValueType.Float32, value);

    /// <summary>Adds a Float64 value.</summary>
    public GgufWriter AddFloat64(string key, double value) => AddEntry(key, GgufValueType.Float64, GgufValueType.Float64, value);

    /// <summary>Adds a Bool value.</summary>
    public GgufWriter AddBool(string key, bool value) => AddEntry(key, GgufValueType.Bool, GgufValueType.Bool, value);

    /// <summary>Adds a String value (UTF-8).</summary>
    public GgufWriter AddString(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return AddEntry(key, GgufValueType.String, GgufValueType.String, value);
    }

    /// <summary>Adds an array of UInt8.</summary>
    public GgufWriter AddArray(string key, byte[] values) => AddArrayEntry(key, GgufValueType.UInt8, values);

    /// <summary>Adds an array of Int8.</summary>
    public GgufWriter AddArray(string key, sbyte[] values) => AddArrayEntry(key, GgufValueType.Int8, values);

    /// <summary>Adds an array of UInt16.</summary>
    public GgufWriter AddArray(string key, ushort[] values) => AddArrayEntry(key, GgufValueType.UInt16, values);

    /// <summary>Adds an array of Int16.</summary>
    public GgufWriter AddArray(string key, short[] values) => AddArrayEntry(key, GgufValueType.Int16, values);

    /// <summary>Adds an array of UInt32.</summary>
    public GgufWriter AddArray(string key, uint[] values) => AddArrayEntry(key, GgufValueType.UInt32, values);

    /// <summary>Adds an array of Int32.</summary>
    public GgufWriter AddArray(string key, int[] values) => AddArrayEntry(key, GgufValueType.Int32, values);

    /// <summary>Adds an array of UInt64.</summary>
    public GgufWriter AddArray(string key, ulong[] values) => AddArrayEntry(key, GgufValueType.UInt64, values);

    /// <summary>Adds an array of Int64.</summary>
    public GgufWriter AddArray(string key, long[] values) => AddArrayEntry(key, GgufValueType.Int64, values);

    /// <summary>Adds an array of Float32.</summary>
    public GgufWriter AddArray(string key, float[] values) => AddArrayEntry(key, GgufValueType.Float32, values);

    /// <summary>Adds an array of Float64.</summary>
    public GgufWriter AddArray(string key, double[] values) => AddArrayEntry(key, GgufValueType.Float64, values);

    /// <summary>Adds an array of Bool.</summary>
    public GgufWriter AddArray(string key, bool[] values) => AddArrayEntry(key, GgufValueType.Bool, values);

    /// <summary>Adds an array of String.</summary>
    public GgufWriter AddArray(string key, string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var s in values) ArgumentNullException.ThrowIfNull(s, nameof(values));
        return AddArrayEntry(key, GgufValueType.String, values);
    }

    /// <summary>Adds a value read from another file (same key, type and value), e.g. to copy metadata.</summary>
    public GgufWriter Add(GgufValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Type == GgufValueType.Array
            ? AddArrayEntry(value.Key, value.ElementType, (Array)value.Value)
            : AddEntry(value.Key, value.Type, value.Type, value.Value);
    }

    // ---- Tensors

    /// <summary>Declares the next tensor; its data is written by <see cref="WriteData"/> after every tensor before it.</summary>
    /// <param name="name">1 to 63 bytes of UTF-8, unique in the file.</param>
    /// <param name="type">The storage type (one <see cref="GgufTensorTypes.IsKnown"/> accepts).</param>
    /// <param name="dimensions">1 to 4 dimensions in ggml order (row length first); the row length must be a whole number of blocks.</param>
    /// <returns>The tensor's byte size.</returns>
    public long AddTensor(string name, GgufTensorType type, params long[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dimensions);
        ThrowIfHeaderWritten();
        var nameBytes = Encoding.UTF8.GetByteCount(name);
        if (nameBytes is 0 or > GgufFile.MaxTensorNameBytes)
            throw new ArgumentException($"A tensor name must have 1 to {GgufFile.MaxTensorNameBytes} bytes of UTF-8; '{name}' has {nameBytes}.", nameof(name));
        if (!_tensorNames.Add(name)) throw new ArgumentException($"The tensor '{name}' is already declared.", nameof(name));
        try
        {
            if (!GgufTensorTypes.IsKnown(type)) throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown ggml tensor type.");
            if (dimensions.Length is < 1 or > 4)
                throw new ArgumentException($"Tensor '{name}': expected 1 to 4 dimensions, got {dimensions.Length}.", nameof(dimensions));
            long elements = 1;
            foreach (var d in dimensions)
            {
                if (d < 1) throw new ArgumentException($"Tensor '{name}': every dimension must be at least 1, got [{string.Join(", ", dimensions)}].", nameof(dimensions));
                elements = checked(elements * d);
            }
            if (elements > GgufFile.MaxElementCount) throw new ArgumentException($"Tensor '{name}' has more than {GgufFile.MaxElementCount} elements.", nameof(dimensions));
            var block = GgufTensorTypes.Geometry(type).BlockSize;
            if (dimensions[0] % block != 0)
                throw new ArgumentException($"Tensor '{name}': {type} stores blocks of {block} elements, but the row length is {dimensions[0]}.", nameof(dimensions));

            var size = GgufTensorTypes.ByteSize(type, dimensions[0], elements);
            var offset = AlignUp(_dataLength, Alignment);
            _tensors.Add(new TensorEntry(name, [.. dimensions], type, offset, size));
            _dataLength = offset + size;
            return size;
        }
        catch
        {
            _tensorNames.Remove(name);
            throw;
        }
    }

    // ---- Output

    /// <summary>Writes the header (magic, version, counts, metadata, tensor infos) and the padding before the data section.</summary>
    /// <remarks>Called by the first <see cref="WriteData"/>; call it yourself only to write a header without data.</remarks>
    /// <exception cref="InvalidOperationException">The header was already written, or an I2_S tensor is declared in a file whose architecture is not a bitnet.cpp one.</exception>
    public void WriteHeader()
    {
        ThrowIfHeaderWritten();
        if (_tensors.Any(t => t.Type == GgufTensorType.I2_S))
        {
            var arch = _metadata.Find(m => m.Key == "general.architecture").Value as string;
            if (arch is null || !s_bitnetCppArchitectures.Contains(arch))
                throw new InvalidOperationException($"I2_S tensors (type id 36) are only valid in files whose general.architecture is bitnet, bitnet-b1.58 or bitnet-25; this one's is '{arch ?? "(none)"}'.");
        }
        _headerWritten = true;
        WriteUInt32(0x46554747); // "GGUF"
        WriteUInt32(Version);
        WriteUInt64((ulong)_tensors.Count);
        WriteUInt64((ulong)_metadata.Count);
        foreach (var (key, type, elementType, value) in _metadata)
        {
            WriteString(key);
            WriteUInt32((uint)type);
            if (type == GgufValueType.Array)
            {
                var array = (Array)value;
                WriteUInt32((uint)elementType);
                WriteUInt64((ulong)array.Length);
                WriteArray(elementType, array);
            }
            else
            {
                WriteScalar(type, value);
            }
        }
        foreach (var t in _tensors)
        {
            WriteString(t.Name);
            WriteUInt32((uint)t.Dimensions.Length);
            foreach (var d in t.Dimensions) WriteUInt64((ulong)d);
            WriteUInt32((uint)t.Type);
            WriteUInt64((ulong)t.Offset);
        }
        if (_tensors.Count > 0) WritePadding(AlignUp(_position, Alignment) - _position);
        _dataStart = _position;
    }

    /// <summary>
    /// Writes the next bytes of tensor data: the current tensor's, in order. A chunk may not run past the end of the
    /// current tensor; the padding before the next tensor is inserted automatically.
    /// </summary>
    /// <exception cref="InvalidOperationException">Every declared tensor is already complete, or the chunk is longer than what remains of the current tensor.</exception>
    public void WriteData(ReadOnlySpan<byte> bytes)
    {
        if (_completed) throw new InvalidOperationException("The file is already complete.");
        if (!_headerWritten) WriteHeader();
        if (bytes.IsEmpty) return;
        if (_current >= _tensors.Count)
            throw new InvalidOperationException($"All {_tensors.Count} declared tensors are complete; {bytes.Length} more bytes were written.");
        var t = _tensors[_current];
        if (_currentWritten == 0) WritePadding(_dataStart + t.Offset - _position);
        var remaining = t.ByteSize - _currentWritten;
        if (bytes.Length > remaining)
            throw new InvalidOperationException($"Tensor '{t.Name}' has {t.ByteSize} bytes and {remaining} remain, but the chunk has {bytes.Length}; write each tensor's bytes separately.");
        WriteRaw(bytes);
        _currentWritten += bytes.Length;
        if (_currentWritten == t.ByteSize)
        {
            _current++;
            _currentWritten = 0;
        }
    }

    /// <summary>The name of the tensor <see cref="WriteData"/> writes next, or null when all are complete.</summary>
    public string? CurrentTensor => _current < _tensors.Count ? _tensors[_current].Name : null;

    /// <summary>Bytes of the current tensor still to write.</summary>
    public long CurrentTensorRemaining => _current < _tensors.Count ? _tensors[_current].ByteSize - _currentWritten : 0;

    /// <summary>Checks that every tensor was written in full, and flushes the stream.</summary>
    /// <exception cref="InvalidOperationException">A tensor is incomplete.</exception>
    public void Complete()
    {
        if (_completed) return;
        if (!_headerWritten) WriteHeader();
        // Zero-byte tensors cannot exist (every dimension is at least 1), so an unwritten tensor is a caller bug.
        if (_current < _tensors.Count)
            throw new InvalidOperationException(
                $"Tensor '{_tensors[_current].Name}' has {_currentWritten} of its {_tensors[_current].ByteSize} bytes written; {_tensors.Count - _current} tensor(s) are incomplete.");
        _stream.Flush();
        _completed = true;
    }

    /// <summary>Closes the stream unless it was left open. Does not complete the file (an incomplete file stays incomplete).</summary>
    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }

    // ---- Helpers

    private GgufWriter AddEntry(string key, GgufValueType type, GgufValueType elementType, object value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ThrowIfHeaderWritten();
        if (Encoding.UTF8.GetByteCount(key) > GgufFile.MaxKeyBytes) throw new ArgumentException($"A key has at most {GgufFile.MaxKeyBytes} bytes.", nameof(key));
        if (type == GgufValueType.String && Encoding.UTF8.GetByteCount((string)value) > GgufFile.MaxStringBytes)
            throw new ArgumentException($"The string of '{key}' is longer than {GgufFile.MaxStringBytes} bytes.", nameof(value));
        if (key == AlignmentKey)
            throw new ArgumentException($"{AlignmentKey} is written from the constructor's alignment argument.", nameof(key));
        if (!_keys.Add(key)) throw new ArgumentException($"The metadata key '{key}' is already present.", nameof(key));
        _metadata.Add((key, type, elementType, value));
        return this;
    }

    private GgufWriter AddArrayEntry(string key, GgufValueType elementType, Array values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length > GgufFile.MaxArrayElements)
            throw new ArgumentException($"The array '{key}' has {values.Length} elements; GGUF readers accept up to {GgufFile.MaxArrayElements}.", nameof(values));
        var expected = elementType switch
        {
            GgufValueType.UInt8 => typeof(byte[]),
            GgufValueType.Int8 => typeof(sbyte[]),
            GgufValueType.UInt16 => typeof(ushort[]),
            GgufValueType.Int16 => typeof(short[]),
            GgufValueType.UInt32 => typeof(uint[]),
            GgufValueType.Int32 => typeof(int[]),
            GgufValueType.Float32 => typeof(float[]),
            GgufValueType.Bool => typeof(bool[]),
            GgufValueType.String => typeof(string[]),
            GgufValueType.UInt64 => typeof(ulong[]),
            GgufValueType.Int64 => typeof(long[]),
            GgufValueType.Float64 => typeof(double[]),
            _ => throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "Not an array element type."),
        };
        if (values.GetType() != expected) throw new ArgumentException($"An array of {elementType} must be a {expected.Name}, got {values.GetType().Name}.", nameof(values));
        if (elementType == GgufValueType.String)
            foreach (var s in (string[])values)
                if (Encoding.UTF8.GetByteCount(s) > GgufFile.MaxStringBytes) throw new ArgumentException($"An element of '{key}' is longer than {GgufFile.MaxStringBytes} bytes.", nameof(values));
        // Copy, so that later changes to the caller's array do not change what is written.
        return AddEntry(key, GgufValueType.Array, elementType, values.Clone());
    }

    private void ThrowIfHeaderWritten()
    {
        if (_headerWritten) throw new InvalidOperationException("The header is already written; metadata and tensors must be added before any data.");
    }

    private long HeaderLength()
    {
        long n = 4 + 4 + 8 + 8;
        foreach (var (key, type, elementType, value) in _metadata)
        {
            n += 8 + Encoding.UTF8.GetByteCount(key) + 4;
            if (type == GgufValueType.Array)
            {
                var array = (Array)value;
                n += 4 + 8;
                if (elementType == GgufValueType.String)
                    foreach (var s in (string[])array) n += 8 + Encoding.UTF8.GetByteCount(s);
                else n += (long)array.Length * ScalarSize(elementType);
            }
            else n += type == GgufValueType.String ? 8 + Encoding.UTF8.GetByteCount((string)value) : ScalarSize(type);
        }
        foreach (var t in _tensors) n += 8 + Encoding.UTF8.GetByteCount(t.Name) + 4 + 8L * t.Dimensions.Length + 4 + 8;
        return n;
    }

    private static int ScalarSize(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        _ => 8,
    };

    private void WriteScalar(GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: WriteRaw([(byte)value]); break;
            case GgufValueType.Int8: WriteRaw([unchecked((byte)(sbyte)value)]); break;
            case GgufValueType.Bool: WriteRaw([(bool)value ? (byte)1 : (byte)0]); break;
            case GgufValueType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(_scratch, (ushort)value); WriteRaw(_scratch.AsSpan(0, 2)); break;
            case GgufValueType.Int16: BinaryPrimitives.WriteInt16LittleEndian(_scratch, (short)value); WriteRaw(_scratch.AsSpan(0, 2)); break;
            case GgufValueType.UInt32: WriteUInt32((uint)value); break;
            case GgufValueType.Int32: BinaryPrimitives.WriteInt32LittleEndian(_scratch, (int)value); WriteRaw(_scratch.AsSpan(0, 4)); break;
            case GgufValueType.Float32: BinaryPrimitives.WriteSingleLittleEndian(_scratch, (float)value); WriteRaw(_scratch.AsSpan(0, 4)); break;
            case GgufValueType.UInt64: WriteUInt64((ulong)value); break;
            case GgufValueType.Int64: BinaryPrimitives.WriteInt64LittleEndian(_scratch, (long)value); WriteRaw(_scratch.AsSpan(0, 8)); break;
            case GgufValueType.Float64: BinaryPrimitives.WriteDoubleLittleEndian(_scratch, (double)value); WriteRaw(_scratch.AsSpan(0, 8)); break;
            case GgufValueType.String: WriteString((string)value); break;
            default: throw new InvalidOperationException($"Unexpected value type {type}.");
        }
    }

    private void WriteArray(GgufValueType elementType, Array array)
    {
        switch (array)
        {
            case string[] strings:
                foreach (var s in strings) WriteString(s);
                break;
            case bool[] bools:
                foreach (var b in bools) WriteRaw([b ? (byte)1 : (byte)0]);
                break;
            case byte[] a: WriteNumbers(a); break;
            case sbyte[] a: WriteNumbers(a); break;
            case ushort[] a: WriteNumbers(a); break;
            case short[] a: WriteNumbers(a); break;
            case uint[] a: WriteNumbers(a); break;
            case int[] a: WriteNumbers(a); break;
            case float[] a: WriteNumbers(a); break;
            case ulong[] a: WriteNumbers(a); break;
            case long[] a: WriteNumbers(a); break;
            case double[] a: WriteNumbers(a); break;
            default: throw new InvalidOperationException($"Unexpected array of {elementType}.");
        }
    }

    private void WriteNumbers<T>(T[] values) where T : unmanaged
    {
        if (BitConverter.IsLittleEndian)
        {
            WriteRaw(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }
        var type = values switch
        {
            byte[] => GgufValueType.UInt8, sbyte[] => GgufValueType.Int8, ushort[] => GgufValueType.UInt16, short[] => GgufValueType.Int16,
            uint[] => GgufValueType.UInt32, int[] => GgufValueType.Int32, float[] => GgufValueType.Float32, ulong[] => GgufValueType.UInt64,
            long[] => GgufValueType.Int64, _ => GgufValueType.Float64,
        };
        foreach (var v in values) WriteScalar(type, v);
    }

    private void WriteString(string s)
    {
        var count = Encoding.UTF8.GetByteCount(s);
        WriteUInt64((ulong)count);
        if (count <= 256)
        {
            Span<byte> buffer = stackalloc byte[count];
            Encoding.UTF8.GetBytes(s, buffer);
            WriteRaw(buffer);
        }
        else
        {
            WriteRaw(Encoding.UTF8.GetBytes(s));
        }
    }

    private void WriteUInt32(uint v)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_scratch, v);
        WriteRaw(_scratch.AsSpan(0, 4));
    }

    private void WriteUInt64(ulong v)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_scratch, v);
        WriteRaw(_scratch.AsSpan(0, 8));
    }

    private void WritePadding(long count)
    {
        Span<byte> zeros = stackalloc byte[64];
        zeros.Clear();
        while (count > 0)
        {
            var n = (int)Math.Min(count, zeros.Length);
            WriteRaw(zeros[..n]);
            count -= n;
        }
    }

    private void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _position += bytes.Length;
    }

    private static long AlignUp(long value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
