using System.Text;
using BitNet.Runtime.Gguf;

namespace BitNet.Runtime.Tests.Tokenization;

/// <summary>
/// Builds tiny in-memory GGUF v3 files (metadata only, no tensors) for tokenizer tests. Kept local to the tokenizer
/// tests on purpose: it writes only the value types tokenizer metadata uses.
/// </summary>
internal sealed class TokenizerTestGguf
{
    private readonly List<(string Key, GgufValueType Type, GgufValueType ElementType, object Value)> _entries = [];

    /// <summary>A file holding the tokenizer metadata (<c>tokenizer.*</c>) of an existing GGUF file.</summary>
    public static TokenizerTestGguf WithTokenizerOf(GgufFile source)
    {
        var gguf = new TokenizerTestGguf();
        foreach (var value in source.Metadata.Values)
            if (value.Key.StartsWith("tokenizer.", StringComparison.Ordinal))
                gguf._entries.Add((value.Key, value.Type, value.ElementType, value.Value));
        return gguf;
    }

    public TokenizerTestGguf Set(string key, object value)
    {
        var (type, elementType) = value switch
        {
            string => (GgufValueType.String, GgufValueType.String),
            bool => (GgufValueType.Bool, GgufValueType.Bool),
            uint => (GgufValueType.UInt32, GgufValueType.UInt32),
            int => (GgufValueType.Int32, GgufValueType.Int32),
            float => (GgufValueType.Float32, GgufValueType.Float32),
            string[] => (GgufValueType.Array, GgufValueType.String),
            float[] => (GgufValueType.Array, GgufValueType.Float32),
            int[] => (GgufValueType.Array, GgufValueType.Int32),
            _ => throw new ArgumentException($"unsupported value type {value.GetType()}"),
        };
        Remove(key);
        _entries.Add((key, type, elementType, value));
        return this;
    }

    public TokenizerTestGguf Remove(string key)
    {
        _entries.RemoveAll(e => e.Key == key);
        return this;
    }

    public GgufFile Load() => GgufFile.Load(ToBytes(), "test.gguf");

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        w.Write(0x46554747u); // "GGUF"
        w.Write(3u);
        w.Write(0L);           // tensor count
        w.Write((long)_entries.Count);
        foreach (var (key, type, elementType, value) in _entries)
        {
            WriteString(w, key);
            w.Write((uint)type);
            if (type == GgufValueType.Array)
            {
                var array = (Array)value;
                w.Write((uint)elementType);
                w.Write((ulong)array.Length);
                foreach (var element in array) WriteScalar(w, elementType, element);
            }
            else
            {
                WriteScalar(w, type, value);
            }
        }
        w.Flush();
        return stream.ToArray();
    }

    private static void WriteScalar(BinaryWriter w, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.String: WriteString(w, (string)value); break;
            case GgufValueType.Bool: w.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.UInt8: w.Write((byte)value); break;
            case GgufValueType.Int8: w.Write((sbyte)value); break;
            case GgufValueType.UInt16: w.Write((ushort)value); break;
            case GgufValueType.Int16: w.Write((short)value); break;
            case GgufValueType.UInt32: w.Write((uint)value); break;
            case GgufValueType.Int32: w.Write((int)value); break;
            case GgufValueType.Float32: w.Write((float)value); break;
            case GgufValueType.UInt64: w.Write((ulong)value); break;
            case GgufValueType.Int64: w.Write((long)value); break;
            case GgufValueType.Float64: w.Write((double)value); break;
            default: throw new ArgumentException($"unsupported GGUF type {type}");
        }
    }

    private static void WriteString(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }
}
