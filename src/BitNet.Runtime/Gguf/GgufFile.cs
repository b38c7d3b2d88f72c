using System.Text;

namespace BitNet.Runtime.Gguf;

/// <summary>
/// A parsed, memory-mapped GGUF file (versions 2 and 3): metadata, tensor infos and zero-copy views of tensor data.
/// </summary>
/// <remarks>
/// <para>Every count, length, offset and dimension is checked against the file size and fixed bounds before anything
/// is allocated from it; any violation raises <see cref="GgufFormatException"/>, the only exception type the parser
/// throws for bad content. Nothing is trusted: a hostile file cannot make the reader allocate more than a small
/// multiple of its own size, loop without progress, or read outside the mapping.</para>
/// <para>Thread-safety: after <see cref="Open"/> returns, all members are safe for concurrent reads. Tensor views
/// are valid until the file is disposed.</para>
/// </remarks>
public sealed unsafe class GgufFile : IDisposable
{
    /// <summary>The alignment of tensor data when <c>general.alignment</c> is absent.</summary>
    public const int DefaultAlignment = 32;

    // Bounds on untrusted counts. Real files are far below all of them (2B4T: 24 keys, 332 tensors, 280,147 merges).
    internal const long MaxTensorCount = 1 << 16;
    internal const long MaxMetadataCount = 1 << 16;
    internal const long MaxKeyBytes = 1 << 16;
    internal const long MaxStringBytes = 64L << 20;
    internal const long MaxArrayElements = 1 << 24;
    internal const int MaxTensorNameBytes = 63;
    internal const long MaxElementCount = 1L << 42;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly HashSet<string> s_bitnetCppArchitectures = new(StringComparer.Ordinal) { "bitnet", "bitnet-b1.58", "bitnet-25" };

    private readonly MappedMemory _memory;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName;

    private GgufFile(MappedMemory memory, string source, uint version, GgufMetadata metadata, GgufTensorInfo[] tensors,
                     Dictionary<string, GgufTensorInfo> tensorsByName, int alignment, long dataStart)
    {
        _memory = memory;
        SourceName = source;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        _tensorsByName = tensorsByName;
        Alignment = alignment;
        DataStart = dataStart;
    }

    /// <summary>The file path, or a description of the in-memory source.</summary>
    public string SourceName { get; }

    /// <summary>The GGUF version (2 or 3).</summary>
    public uint Version { get; }

    /// <summary>The metadata key/value pairs.</summary>
    public GgufMetadata Metadata { get; }

    /// <summary>The tensor infos, in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>The alignment of tensor data (<c>general.alignment</c> or 32).</summary>
    public int Alignment { get; }

    /// <summary>The absolute offset of the tensor-data section.</summary>
    public long DataStart { get; }

    /// <summary>The size of the file in bytes.</summary>
    public long Length => _memory.Length;

    /// <summary>The model architecture (<c>general.architecture</c>), or null when absent.</summary>
    public string? Architecture => Metadata.GetStringOrDefault("general.architecture");

    /// <summary>Memory-maps and parses a GGUF file.</summary>
    /// <exception cref="GgufFormatException">The file is not a valid GGUF file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static GgufFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var memory = MappedMemory.MapFile(path);
        return ParseOwning(memory, path);
    }

    /// <summary>Parses a GGUF image held in memory (the array is pinned until the file is disposed).</summary>
    /// <exception cref="GgufFormatException">The bytes are not a valid GGUF file.</exception>
    public static GgufFile Load(byte[] bytes, string sourceName = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return ParseOwning(MappedMemory.Pin(bytes), sourceName);
    }

    /// <summary>Whether the file has a tensor of this name.</summary>
    public bool HasTensor(string name) => _tensorsByName.ContainsKey(name);

    /// <summary>The tensor of this name, or null.</summary>
    public GgufTensorInfo? FindTensor(string name) => _tensorsByName.GetValueOrDefault(name);

    /// <summary>The tensor of this name; throws <see cref="GgufFormatException"/> naming it when it is missing.</summary>
    public GgufTensorInfo GetTensor(string name) =>
        _tensorsByName.TryGetValue(name, out var info)
            ? info
            : throw new GgufFormatException(name, -1, "this tensor is required but the file does not have it.", SourceName);

    /// <summary>A zero-copy view of a tensor's bytes.</summary>
    /// <exception cref="NotSupportedException">The tensor is larger than 2 GiB (use <see cref="GetTensorPointer"/>).</exception>
    public ReadOnlySpan<byte> GetTensorBytes(GgufTensorInfo tensor)
    {
        if (tensor.ByteSize > int.MaxValue)
            throw new NotSupportedException($"Tensor '{tensor.Name}' has {tensor.ByteSize} bytes, more than a span can address; read it by pointer.");
        return new ReadOnlySpan<byte>(GetTensorPointer(tensor), (int)tensor.ByteSize);
    }

    /// <summary>A zero-copy view of a tensor's elements as <typeparamref name="T"/> (for F32, F16, BF16 and integer tensors).</summary>
    public ReadOnlySpan<T> GetTensorData<T>(GgufTensorInfo tensor) where T : unmanaged
    {
        var bytes = GetTensorBytes(tensor);
        if (bytes.Length % sizeof(T) != 0)
            throw new InvalidOperationException($"Tensor '{tensor.Name}' ({tensor.Type}, {bytes.Length} bytes) is not a whole number of {typeof(T).Name} values.");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes);
    }

    /// <summary>A pointer to a tensor's bytes, valid until the file is disposed.</summary>
    public byte* GetTensorPointer(GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(_memory.Pointer == null, this);
        if (!_tensorsByName.TryGetValue(tensor.Name, out var own) || !ReferenceEquals(own, tensor))
            throw new ArgumentException($"Tensor '{tensor.Name}' does not belong to this file.", nameof(tensor));
        return _memory.Pointer + tensor.DataOffset;
    }

    /// <summary>
    /// Tells the OS that this process is done with a tensor's bytes for now: on a memory-mapped file they leave the
    /// resident set (the page cache keeps them, and reading them again faults them back in). Used after a tensor was
    /// copied or repacked, so the process does not hold the weights twice.
    /// </summary>
    internal void DropTensorPages(GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (_tensorsByName.TryGetValue(tensor.Name, out var own) && ReferenceEquals(own, tensor))
            _memory.DropPages(tensor.DataOffset, tensor.ByteSize);
    }

    /// <summary>Unmaps the file. Views obtained before are invalid afterwards.</summary>
    public void Dispose() => _memory.Dispose();

    private static GgufFile ParseOwning(MappedMemory memory, string source)
    {
        try
        {
            return Parse(memory, source);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    private static GgufFile Parse(MappedMemory memory, string source)
    {
        var r = new Cursor(memory.Pointer, memory.Length, source);

        // ---- Header
        var magic = r.ReadUInt32("magic");
        if (magic != 0x46554747) // "GGUF" read little-endian
            throw r.Error("magic", 0, $"expected the bytes 'GGUF', found 0x{magic:X8}. This is not a GGUF file.");
        var versionOffset = r.Position;
        var version = r.ReadUInt32("version");
        if (version != 0 && (version & 0xFFFF) == 0)
            throw r.Error("version", versionOffset, $"found 0x{version:X8}, which looks like a big-endian GGUF file; only little-endian files are supported.");
        if (version is not (2 or 3))
            throw r.Error("version", versionOffset, $"expected 2 or 3, found {version}. Re-convert the model with a current llama.cpp/ggml toolchain.");

        var tensorCount = r.ReadCount("tensor_count", MaxTensorCount, minBytesPerItem: 8 + 1 + 4 + 8 + 4 + 8);
        var kvCount = r.ReadCount("metadata_kv_count", MaxMetadataCount, minBytesPerItem: 8 + 1 + 4 + 1);

        // ---- Metadata
        var values = new GgufValue[kvCount];
        var byKey = new Dictionary<string, GgufValue>((int)kvCount, StringComparer.Ordinal);
        long elementBudget = MaxArrayElements;
        for (var i = 0; i < kvCount; i++)
        {
            var keyOffset = r.Position;
            var key = r.ReadString(Field.Metadata(i, ".key"), MaxKeyBytes);
            if (key.Length == 0) throw r.Error($"metadata[{i}].key", keyOffset, "expected a non-empty key.");
            if (byKey.ContainsKey(key)) throw r.Error(key, keyOffset, "the key appears more than once.");
            var value = ReadValue(ref r, key, ref elementBudget);
            values[i] = value;
            byKey.Add(key, value);
        }
        var metadata = new GgufMetadata(values, byKey, source);

        var alignment = DefaultAlignment;
        if (byKey.TryGetValue("general.alignment", out var alignValue))
        {
            if (alignValue.Type != GgufValueType.UInt32)
                throw r.Error("general.alignment", alignValue.Offset, $"expected a UInt32, found {alignValue.Type}.");
            var a = (uint)alignValue.Value;
            if (a < 8 || a > (1 << 20) || (a & (a - 1)) != 0)
                throw r.Error("general.alignment", alignValue.Offset, $"expected a power of two from 8 to 1048576, found {a}.");
            alignment = (int)a;
        }
        var architecture = byKey.TryGetValue("general.architecture", out var archValue) ? archValue.Value as string : null;
        // bitnet.cpp's ggml fork reuses ids that upstream retired or reassigned: 36 = I2_S, 39 = TL2 (not MXFP4).
        var isBitnetCpp = architecture is not null && s_bitnetCppArchitectures.Contains(architecture);

        // ---- Tensor infos
        var infos = new (string Name, long[] Dims, GgufTensorType Type, long Offset, long Size, long Elements, long InfoOffset)[tensorCount];
        var names = new HashSet<string>((int)tensorCount, StringComparer.Ordinal);
        for (var i = 0; i < tensorCount; i++)
        {
            var infoOffset = r.Position;
            var name = r.ReadString(Field.TensorInfo(i, ".name"), MaxTensorNameBytes + 1);
            if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > MaxTensorNameBytes)
                throw r.Error($"tensor_infos[{i}].name", infoOffset, $"expected a name of 1 to {MaxTensorNameBytes} bytes, found {Encoding.UTF8.GetByteCount(name)}.");
            if (!names.Add(name)) throw r.Error($"tensor_infos[{i}].name", infoOffset, $"the tensor name '{name}' appears more than once.");
            // Only interpolated when an error is thrown: a hostile file may hold 65,536 tensor infos.
            var field = Field.Tensor(name);

            var dimsOffset = r.Position;
            var nDims = r.ReadUInt32(Field.Tensor(name, ".n_dims"));
            if (nDims is < 1 or > 4) throw r.Error($"{field}.n_dims", dimsOffset, $"expected 1 to 4 dimensions, found {nDims}.");
            var dims = new long[nDims];
            long elements = 1;
            for (var d = 0; d < nDims; d++)
            {
                var dimOffset = r.Position;
                var dim = r.ReadUInt64(Field.Tensor(name, ".dims", d));
                if (dim is < 1 or > (ulong)MaxElementCount)
                    throw r.Error($"{field}.dims[{d}]", dimOffset, $"expected a dimension from 1 to {MaxElementCount}, found {dim}.");
                dims[d] = (long)dim;
                if (elements > MaxElementCount / (long)dim)
                    throw r.Error($"{field}.dims", dimsOffset, $"the element count exceeds {MaxElementCount}.");
                elements *= (long)dim;
            }

            var typeOffset = r.Position;
            var rawType = r.ReadUInt32(Field.Tensor(name, ".type"));
            var type = (GgufTensorType)rawType;
            if (rawType == 36 && !isBitnetCpp)
                throw r.Error($"{field}.type", typeOffset, $"type id 36 is I2_S only in bitnet.cpp files (architecture bitnet, bitnet-b1.58 or bitnet-25); this file's architecture is '{architecture ?? "(none)"}', where upstream ggml retired the id.");
            if (rawType == 39 && isBitnetCpp)
                throw r.Error($"{field}.type", typeOffset, $"type id 39 is TL2 in bitnet.cpp files (architecture '{architecture}'), a kernel-specific layout this engine does not read; re-quantize the model to I2_S, TQ1_0 or TQ2_0.");
            if (!GgufTensorTypes.IsKnown(type))
                throw r.Error($"{field}.type", typeOffset, $"unknown ggml tensor type id {rawType}.");
            var (block, _) = GgufTensorTypes.Geometry(type);
            if (dims[0] % block != 0)
                throw r.Error($"{field}.dims[0]", dimsOffset, $"{type} stores blocks of {block} elements, but the row length is {dims[0]}.");
            var size = GgufTensorTypes.ByteSize(type, dims[0], elements);

            var offsetOffset = r.Position;
            var offset = r.ReadUInt64(Field.Tensor(name, ".offset"));
            if (offset > (ulong)memory.Length) throw r.Error($"{field}.offset", offsetOffset, $"the offset {offset} lies beyond the end of the file ({memory.Length} bytes).");
            if ((long)offset % alignment != 0) throw r.Error($"{field}.offset", offsetOffset, $"expected a multiple of the alignment {alignment}, found {offset}.");
            infos[i] = (name, dims, type, (long)offset, size, elements, offsetOffset);
        }

        // ---- Data section: each tensor must lie inside the file, and no two may overlap.
        var dataStart = tensorCount == 0 ? r.Position : AlignUp(r.Position, alignment);
        if (dataStart > memory.Length)
            throw r.Error("tensor_data", r.Position, $"the tensor data should start at byte {dataStart}, but the file has only {memory.Length} bytes (truncated?).");
        var tensors = new GgufTensorInfo[tensorCount];
        var byName = new Dictionary<string, GgufTensorInfo>((int)tensorCount, StringComparer.Ordinal);
        for (var i = 0; i < tensorCount; i++)
        {
            var t = infos[i];
            var absolute = dataStart + t.Offset;
            if (absolute > memory.Length || t.Size > memory.Length - absolute)
                throw r.Error($"tensor '{t.Name}'.offset", t.InfoOffset,
                    $"its {t.Size} bytes at data offset {t.Offset} (file byte {absolute}) run past the end of the file ({memory.Length} bytes); the file is truncated or corrupt.");
            tensors[i] = new GgufTensorInfo(t.Name, t.Dims, t.Type, t.Offset, absolute, t.Size, t.Elements);
            byName.Add(t.Name, tensors[i]);
        }
        // Sort by (offset, file order) so that the tensor reported for an overlap does not depend on the sort algorithm.
        var order = new int[tensorCount];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => tensors[a].DataOffset != tensors[b].DataOffset ? tensors[a].DataOffset.CompareTo(tensors[b].DataOffset) : a.CompareTo(b));
        for (var i = 1; i < order.Length; i++)
        {
            GgufTensorInfo previous = tensors[order[i - 1]], current = tensors[order[i]];
            if (previous.DataOffset + previous.ByteSize > current.DataOffset)
                throw r.Error($"tensor '{current.Name}'.offset", infos[order[i]].InfoOffset,
                    $"its data (file bytes {current.DataOffset} to {current.DataOffset + current.ByteSize}) overlaps the data of tensor '{previous.Name}' (file bytes {previous.DataOffset} to {previous.DataOffset + previous.ByteSize}).");
        }

        return new GgufFile(memory, source, version, metadata, tensors, byName, alignment, dataStart);
    }

    private static GgufValue ReadValue(ref Cursor r, string key, ref long elementBudget)
    {
        var typeOffset = r.Position;
        var type = (GgufValueType)r.ReadUInt32(Field.Key(key, ".type"));
        var valueOffset = r.Position;
        if (type == GgufValueType.Array)
        {
            var elementType = (GgufValueType)r.ReadUInt32(Field.Key(key, ".element_type"));
            if (elementType == GgufValueType.Array) throw r.Error(key, valueOffset, "nested arrays are not supported.");
            if ((uint)elementType > (uint)GgufValueType.Float64) throw r.Error(key, valueOffset, $"unknown array element type {(uint)elementType}.");
            var elementSize = elementType == GgufValueType.String ? 8 : ScalarSize(elementType);
            var count = r.ReadCount(Field.Key(key, ".count"), MaxArrayElements, elementSize);
            if (count > elementBudget) throw r.Error($"{key}.count", valueOffset + 4, $"the metadata arrays hold more than {MaxArrayElements} elements in all.");
            elementBudget -= count;
            return new GgufValue(key, type, elementType, ReadArray(ref r, key, elementType, (int)count), valueOffset);
        }
        if ((uint)type > (uint)GgufValueType.Float64) throw r.Error($"{key}.type", typeOffset, $"unknown value type {(uint)type}.");
        return new GgufValue(key, type, type, ReadScalar(ref r, key, type), valueOffset);
    }

    private static object ReadScalar(ref Cursor r, string key, GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => r.ReadByte(key),
        GgufValueType.Int8 => (sbyte)r.ReadByte(key),
        GgufValueType.UInt16 => r.ReadUInt16(key),
        GgufValueType.Int16 => (short)r.ReadUInt16(key),
        GgufValueType.UInt32 => r.ReadUInt32(key),
        GgufValueType.Int32 => (int)r.ReadUInt32(key),
        GgufValueType.Float32 => BitConverter.UInt32BitsToSingle(r.ReadUInt32(key)),
        GgufValueType.Bool => r.ReadBool(key),
        GgufValueType.String => r.ReadString(key, MaxStringBytes),
        GgufValueType.UInt64 => r.ReadUInt64(key),
        GgufValueType.Int64 => (long)r.ReadUInt64(key),
        GgufValueType.Float64 => BitConverter.UInt64BitsToDouble(r.ReadUInt64(key)),
        _ => throw r.Error(key, r.Position, $"unknown value type {(uint)type}."),
    };

    private static Array ReadArray(ref Cursor r, string key, GgufValueType type, int count)
    {
        switch (type)
        {
            case GgufValueType.String:
                var strings = new string[count];
                for (var i = 0; i < count; i++) strings[i] = r.ReadString(Field.Element(key, i), MaxStringBytes);
                return strings;
            case GgufValueType.Bool:
                var bools = new bool[count];
                for (var i = 0; i < count; i++) bools[i] = r.ReadBool(Field.Element(key, i));
                return bools;
            case GgufValueType.UInt8: return r.ReadBlock<byte>(key, count);
            case GgufValueType.Int8: return r.ReadBlock<sbyte>(key, count);
            case GgufValueType.UInt16: return r.ReadBlock<ushort>(key, count);
            case GgufValueType.Int16: return r.ReadBlock<short>(key, count);
            case GgufValueType.UInt32: return r.ReadBlock<uint>(key, count);
            case GgufValueType.Int32: return r.ReadBlock<int>(key, count);
            case GgufValueType.Float32: return r.ReadBlock<float>(key, count);
            case GgufValueType.UInt64: return r.ReadBlock<ulong>(key, count);
            case GgufValueType.Int64: return r.ReadBlock<long>(key, count);
            case GgufValueType.Float64: return r.ReadBlock<double>(key, count);
            default: throw r.Error(key, r.Position, $"unknown array element type {(uint)type}.");
        }
    }

    private static int ScalarSize(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        _ => 8,
    };

    private static long AlignUp(long value, int alignment) => (value + alignment - 1) / alignment * alignment;

    /// <summary>
    /// The name of a field, formatted only when an error reports it. Reads name their field on every call, and a
    /// hostile file can hold millions of them (array elements under a 64 KiB key, 65,536 tensor infos); building each
    /// name eagerly would cost allocations proportional to key length × element count.
    /// </summary>
    private readonly struct Field
    {
        private enum Kind : byte { Plain, Metadata, TensorInfo, Tensor }

        private readonly Kind _kind;
        private readonly string _text;
        private readonly string? _suffix;
        private readonly int _number;
        private readonly int _index;

        private Field(Kind kind, string text, string? suffix, int number, int index)
        {
            _kind = kind;
            _text = text;
            _suffix = suffix;
            _number = number;
            _index = index;
        }

        /// <summary><c>key</c> + suffix, e.g. <c>tokenizer.ggml.tokens.count</c>.</summary>
        public static Field Key(string key, string? suffix = null) => new(Kind.Plain, key, suffix, 0, -1);

        /// <summary><c>key[index]</c>: one element of an array value.</summary>
        public static Field Element(string key, int index) => new(Kind.Plain, key, null, 0, index);

        /// <summary><c>metadata[i]</c> + suffix.</summary>
        public static Field Metadata(int i, string suffix) => new(Kind.Metadata, "", suffix, i, -1);

        /// <summary><c>tensor_infos[i]</c> + suffix.</summary>
        public static Field TensorInfo(int i, string suffix) => new(Kind.TensorInfo, "", suffix, i, -1);

        /// <summary><c>tensor 'name'</c> + suffix, with an optional <c>[index]</c>.</summary>
        public static Field Tensor(string name, string? suffix = null, int index = -1) => new(Kind.Tensor, name, suffix, 0, index);

        public static implicit operator Field(string field) => Key(field);

        public override string ToString()
        {
            var head = _kind switch
            {
                Kind.Metadata => $"metadata[{_number}]",
                Kind.TensorInfo => $"tensor_infos[{_number}]",
                Kind.Tensor => $"tensor '{_text}'",
                _ => _text,
            };
            return _index >= 0 ? $"{head}{_suffix}[{_index}]" : head + _suffix;
        }
    }

    /// <summary>A bounds-checked little-endian reader over the mapped bytes.</summary>
    private struct Cursor(byte* start, long length, string source)
    {
        public long Position { get; private set; }

        private readonly long Remaining => length - Position;

        public GgufFormatException Error(string field, long offset, string problem) => new(field, offset, problem, source);

        public GgufFormatException Error(Field field, long offset, string problem) => new(field.ToString(), offset, problem, source);

        private void Require(Field field, long bytes)
        {
            if (bytes > Remaining)
                throw Error(field, Position, $"expected {bytes} more bytes, but only {Remaining} remain; the file is truncated.");
        }

        public byte ReadByte(Field field)
        {
            Require(field, 1);
            return start[Position++];
        }

        public ushort ReadUInt16(Field field)
        {
            Require(field, 2);
            var v = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(start + Position, 2));
            Position += 2;
            return v;
        }

        public uint ReadUInt32(Field field)
        {
            Require(field, 4);
            var v = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(start + Position, 4));
            Position += 4;
            return v;
        }

        public ulong ReadUInt64(Field field)
        {
            Require(field, 8);
            var v = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(start + Position, 8));
            Position += 8;
            return v;
        }

        public bool ReadBool(Field field)
        {
            var offset = Position;
            var b = ReadByte(field);
            return b switch
            {
                0 => false,
                1 => true,
                _ => throw Error(field, offset, $"expected a boolean byte 0 or 1, found {b}."),
            };
        }

        /// <summary>Reads a 64-bit count and checks it against a cap and against the bytes its items need.</summary>
        public long ReadCount(Field field, long max, int minBytesPerItem)
        {
            var offset = Position;
            var count = ReadUInt64(field);
            if (count > (ulong)max)
                throw Error(field, offset, $"expected at most {max}, found {count}.");
            if ((long)count * minBytesPerItem > Remaining)
                throw Error(field, offset, $"{count} items need at least {(long)count * minBytesPerItem} bytes, but only {Remaining} remain; the file is truncated or the count is corrupt.");
            return (long)count;
        }

        public string ReadString(Field field, long maxBytes)
        {
            var offset = Position;
            var length = ReadUInt64(field);
            if (length > (ulong)maxBytes)
                throw Error(field, offset, $"expected a string of at most {maxBytes} bytes, found a length of {length}.");
            Require(field, (long)length);
            try
            {
                var s = s_strictUtf8.GetString(start + Position, (int)length);
                Position += (long)length;
                return s;
            }
            catch (DecoderFallbackException)
            {
                throw Error(field, offset, "the string is not valid UTF-8.");
            }
        }

        public T[] ReadBlock<T>(Field field, int count) where T : unmanaged
        {
            var bytes = (long)count * sizeof(T);
            Require(field, bytes);
            var result = new T[count];
            new ReadOnlySpan<T>(start + Position, count).CopyTo(result);
            Position += bytes;
            return result;
        }
    }
}
