using System.Globalization;

namespace BitNet.Runtime.Gguf;

/// <summary>One metadata value of a GGUF file: a scalar, a string, or an array of either.</summary>
/// <remarks>
/// Scalars are held boxed (metadata is read once, off the hot path). Arrays are held as typed .NET arrays:
/// <c>string[]</c>, <c>float[]</c>, <c>int[]</c>, <c>uint[]</c>, <c>long[]</c>, <c>ulong[]</c>, <c>short[]</c>,
/// <c>ushort[]</c>, <c>sbyte[]</c>, <c>byte[]</c>, <c>double[]</c> or <c>bool[]</c>.
/// </remarks>
public sealed class GgufValue
{
    internal GgufValue(string key, GgufValueType type, GgufValueType elementType, object value, long offset)
    {
        Key = key;
        Type = type;
        ElementType = elementType;
        Value = value;
        Offset = offset;
    }

    /// <summary>The key this value is stored under.</summary>
    public string Key { get; }

    /// <summary>The value's type.</summary>
    public GgufValueType Type { get; }

    /// <summary>For arrays, the element type; otherwise the same as <see cref="Type"/>.</summary>
    public GgufValueType ElementType { get; }

    /// <summary>The value: a boxed scalar, a string, or a typed array.</summary>
    public object Value { get; }

    /// <summary>The byte offset of the value in the file (after its key and type tag).</summary>
    public long Offset { get; }

    /// <summary>The number of elements of an array value, or 1 for a scalar.</summary>
    public int Count => Value is Array array ? array.Length : 1;

    /// <summary>The value as a string; throws <see cref="GgufFormatException"/> when it is not one.</summary>
    public string AsString() => Value as string ?? throw Mismatch("a string");

    /// <summary>The value as a 64-bit integer, accepting every integer type that holds it exactly.</summary>
    public long AsInt64()
    {
        switch (Value)
        {
            case byte v: return v;
            case sbyte v: return v;
            case ushort v: return v;
            case short v: return v;
            case uint v: return v;
            case int v: return v;
            case long v: return v;
            case ulong v when v <= long.MaxValue: return (long)v;
            default: throw Mismatch("an integer");
        }
    }

    /// <summary>The value as a 32-bit integer, accepting every integer type whose value fits.</summary>
    public int AsInt32()
    {
        var v = AsInt64();
        return v is >= int.MinValue and <= int.MaxValue ? (int)v : throw Mismatch("an integer that fits in 32 bits");
    }

    /// <summary>The value as a double, accepting floating-point and integer types.</summary>
    public double AsDouble() => Value switch
    {
        float f => f,
        double d => d,
        _ when Type is not (GgufValueType.Array or GgufValueType.String or GgufValueType.Bool) => AsInt64(),
        _ => throw Mismatch("a number"),
    };

    /// <summary>The value as a boolean.</summary>
    public bool AsBoolean() => Value is bool b ? b : throw Mismatch("a boolean");

    /// <summary>The value as an array of <typeparamref name="T"/>; throws when the element type differs.</summary>
    public T[] AsArray<T>() => Value as T[] ?? throw Mismatch($"an array of {typeof(T).Name}");

    /// <summary>An integer array widened to <see cref="int"/> whatever its stored integer element type.</summary>
    public int[] AsInt32Array() => Value switch
    {
        int[] a => a,
        uint[] a => Widen(a, static x => x <= int.MaxValue ? (int)x : -1),
        short[] a => Widen(a, static x => x),
        ushort[] a => Widen(a, static x => x),
        sbyte[] a => Widen(a, static x => x),
        byte[] a => Widen(a, static x => x),
        long[] a => Widen(a, static x => x is >= int.MinValue and <= int.MaxValue ? (int)x : -1),
        ulong[] a => Widen(a, static x => x <= int.MaxValue ? (int)x : -1),
        _ => throw Mismatch("an array of integers"),
    };

    /// <inheritdoc />
    public override string ToString() => Value switch
    {
        string s => s,
        Array a => $"[{ElementType} × {a.Length}]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? "",
    };

    private static int[] Widen<T>(T[] source, Func<T, int> convert)
    {
        var result = new int[source.Length];
        for (var i = 0; i < source.Length; i++) result[i] = convert(source[i]);
        return result;
    }

    private GgufFormatException Mismatch(string expected)
    {
        var found = Type == GgufValueType.Array ? $"an array of {ElementType}" : Type.ToString();
        return new GgufFormatException(Key, Offset, $"expected {expected}, found {found} ({this}).");
    }
}
