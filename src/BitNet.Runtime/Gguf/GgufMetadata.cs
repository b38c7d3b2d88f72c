using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace BitNet.Runtime.Gguf;

/// <summary>The metadata key/value pairs of a GGUF file, in file order, with typed look-ups.</summary>
/// <remarks>Typed getters throw <see cref="GgufFormatException"/> naming the key when it is missing or of the wrong type.</remarks>
public sealed class GgufMetadata : IReadOnlyDictionary<string, GgufValue>
{
    private readonly Dictionary<string, GgufValue> _byKey;
    private readonly GgufValue[] _inOrder;
    private readonly string? _source;

    internal GgufMetadata(GgufValue[] inOrder, Dictionary<string, GgufValue> byKey, string? source)
    {
        _inOrder = inOrder;
        _byKey = byKey;
        _source = source;
    }

    /// <summary>The values in the order the file stores them.</summary>
    public IReadOnlyList<GgufValue> Values => _inOrder;

    /// <inheritdoc />
    public int Count => _inOrder.Length;

    /// <inheritdoc />
    public GgufValue this[string key] => TryGetValue(key, out var value) ? value : throw Missing(key);

    /// <inheritdoc />
    public IEnumerable<string> Keys => _byKey.Keys;

    IEnumerable<GgufValue> IReadOnlyDictionary<string, GgufValue>.Values => _inOrder;

    /// <inheritdoc />
    public bool ContainsKey(string key) => _byKey.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out GgufValue value) => _byKey.TryGetValue(key, out value);

    /// <summary>A required string value.</summary>
    public string GetString(string key) => this[key].AsString();

    /// <summary>An optional string value.</summary>
    public string? GetStringOrDefault(string key, string? defaultValue = null) =>
        TryGetValue(key, out var v) ? v.AsString() : defaultValue;

    /// <summary>A required integer value of any integer type that fits in 32 bits.</summary>
    public int GetInt32(string key) => this[key].AsInt32();

    /// <summary>An optional integer value.</summary>
    public int GetInt32OrDefault(string key, int defaultValue) => TryGetValue(key, out var v) ? v.AsInt32() : defaultValue;

    /// <summary>A required number (float or integer).</summary>
    public double GetDouble(string key) => this[key].AsDouble();

    /// <summary>An optional number.</summary>
    public double GetDoubleOrDefault(string key, double defaultValue) => TryGetValue(key, out var v) ? v.AsDouble() : defaultValue;

    /// <summary>An optional boolean.</summary>
    public bool GetBooleanOrDefault(string key, bool defaultValue) => TryGetValue(key, out var v) ? v.AsBoolean() : defaultValue;

    /// <summary>A required array of <typeparamref name="T"/>.</summary>
    public T[] GetArray<T>(string key) => this[key].AsArray<T>();

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, GgufValue>> GetEnumerator()
    {
        foreach (var value in _inOrder) yield return new(value.Key, value);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private GgufFormatException Missing(string key) =>
        new(key, -1, "this metadata key is required but the file does not have it.", _source);
}
