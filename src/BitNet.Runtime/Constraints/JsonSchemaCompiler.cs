using System.Text.Encodings.Web;
using System.Text.Json;

namespace BitNet.Runtime.Constraints;

/// <summary>Compiles a JSON schema (the subset <see cref="JsonGrammar"/> documents) into grammar nodes.</summary>
internal sealed class JsonSchemaCompiler
{
    // "condition": Semantic Kernel (1.82) writes a kernel function's description under that name at the root of its
    // parameter schema; it constrains nothing.
    private static readonly HashSet<string> s_annotations = new(StringComparer.Ordinal)
    {
        "$schema", "$id", "$comment", "title", "description", "default", "examples", "readOnly", "writeOnly", "deprecated", "$defs", "definitions",
        "condition",
    };

    private static readonly HashSet<string> s_keywords = new(StringComparer.Ordinal)
    {
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "const", "anyOf", "oneOf",
    };

    // Keys and enum texts keep non-ASCII characters as they are, as a model would write them.
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<JsonGrammarNode> _nodes = [];
    private readonly int _string;
    private readonly int _number;
    private readonly int _integer;
    private readonly int _boolean;
    private readonly int _null;
    private readonly int _any;

    private JsonSchemaCompiler()
    {
        _string = Add(new JsonGrammarNode(JsonGrammarNodeKind.String) { MinLength = 2 });
        _number = Add(new JsonGrammarNode(JsonGrammarNodeKind.Number) { MinLength = 1 });
        _integer = Add(new JsonGrammarNode(JsonGrammarNodeKind.Number) { MinLength = 1, IntegerOnly = true });
        _boolean = AddLiteral([Utf8("true"), Utf8("false")]);
        _null = AddLiteral([Utf8("null")]);
        // Any value: its object and array refer back to it by index.
        _any = _nodes.Count;
        _nodes.Add(null!);
        var anyObject = Add(new JsonGrammarNode(JsonGrammarNodeKind.Map) { Child = _any, MinLength = 2 });
        var anyArray = Add(new JsonGrammarNode(JsonGrammarNodeKind.Array) { Child = _any, MinLength = 2 });
        var anyLiteral = AddLiteral([Utf8("true"), Utf8("false"), Utf8("null")]);
        _nodes[_any] = NewChoice([anyObject, anyArray, _string, _number, anyLiteral], "any value");
        AnyObjectNode = anyObject;
    }

    private int AnyObjectNode { get; }

    public static JsonGrammar CompileAny(bool objectOnly)
    {
        var compiler = new JsonSchemaCompiler();
        return compiler.Build(objectOnly ? compiler.AnyObjectNode : compiler._any);
    }

    public static JsonGrammar Compile(JsonElement schema)
    {
        var compiler = new JsonSchemaCompiler();
        return compiler.Build(compiler.CompileSchema(schema, "#", 1));
    }

    /// <summary>A grammar of <c>prefix value suffix</c> texts, the value's schema chosen by the prefix.</summary>
    public static JsonGrammar CompileTagged(IReadOnlyList<(byte[] Prefix, JsonElement Schema)> alternatives, byte[] suffix)
    {
        if (alternatives.Count == 0) throw new ArgumentException("At least one alternative is needed.", nameof(alternatives));
        var compiler = new JsonSchemaCompiler();
        var trie = new LiteralTrie([.. alternatives.Select(a => a.Prefix)]);
        var values = new int[trie.NodeCount];
        Array.Fill(values, -1);
        foreach (var (prefix, schema) in alternatives)
        {
            var end = trie.Find(prefix);
            if (trie.HasChildren(end))
                throw new ArgumentException($"The prefix '{System.Text.Encoding.UTF8.GetString(prefix)}' begins another prefix; each must end where it is told apart.", nameof(alternatives));
            values[end] = compiler.CompileSchema(schema, "#", 2);
        }

        var completions = trie.MinCosts(node => compiler._nodes[values[node]].MinLength + suffix.Length);
        var root = compiler.Add(new JsonGrammarNode(JsonGrammarNodeKind.Tagged)
        {
            Literals = trie, TagValues = values, TagCompletions = completions, Suffix = suffix, MinLength = completions[0],
        });
        return compiler.Build(root);
    }

    private JsonGrammar Build(int root) => new([.. _nodes], root, _string);

    private int CompileSchema(JsonElement schema, string path, int depth)
    {
        if (depth >= JsonParserState.MaxDepth)
            throw new NotSupportedException($"The JSON schema nests deeper than {JsonParserState.MaxDepth - 1} levels at {path}.");
        switch (schema.ValueKind)
        {
            case JsonValueKind.True:
                return _any;
            case JsonValueKind.False:
                throw new NotSupportedException($"The JSON schema at {path} is false, which no value matches.");
            case JsonValueKind.Object:
                break;
            default:
                throw new ArgumentException($"The JSON schema at {path} must be an object or a boolean; got {schema.ValueKind}.", nameof(schema));
        }

        foreach (var property in schema.EnumerateObject())
        {
            if (!s_keywords.Contains(property.Name) && !s_annotations.Contains(property.Name))
                throw new NotSupportedException(
                    $"The JSON schema keyword '{property.Name}' (at {path}) is not supported by constrained decoding. Supported: " +
                    $"{string.Join(", ", s_keywords)}; ignored annotations: {string.Join(", ", s_annotations)}.");
        }

        if (schema.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                throw new ArgumentException($"'enum' at {path} must be a non-empty array.", nameof(schema));
            return AddLiteral([.. values.EnumerateArray().Select(Serialize)]);
        }

        if (schema.TryGetProperty("const", out var constant)) return AddLiteral([Serialize(constant)]);

        var hasAnyOf = schema.TryGetProperty("anyOf", out var anyOf);
        var hasOneOf = schema.TryGetProperty("oneOf", out var oneOf);
        if (hasAnyOf || hasOneOf)
        {
            var keyword = hasAnyOf ? "anyOf" : "oneOf";
            var alternatives = hasAnyOf ? anyOf : oneOf;
            if (hasAnyOf && hasOneOf || schema.TryGetProperty("type", out _))
                throw new NotSupportedException($"'{keyword}' at {path} combined with 'type' or with another of anyOf/oneOf is not supported.");
            if (alternatives.ValueKind != JsonValueKind.Array || alternatives.GetArrayLength() == 0)
                throw new ArgumentException($"'{keyword}' at {path} must be a non-empty array.", nameof(schema));
            var nodes = alternatives.EnumerateArray().Select((alternative, i) => CompileSchema(alternative, $"{path}/{keyword}/{i}", depth)).ToArray();
            return nodes.Length == 1 ? nodes[0] : Add(NewChoice(nodes, $"'{keyword}' at {path}"));
        }

        if (!schema.TryGetProperty("type", out var type))
        {
            if (schema.TryGetProperty("properties", out _) || schema.TryGetProperty("additionalProperties", out _)) return CompileObject(schema, path, depth);
            if (schema.TryGetProperty("items", out _)) return CompileArray(schema, path, depth);
            return _any;
        }

        if (type.ValueKind == JsonValueKind.String) return CompileType(type.GetString()!, schema, path, depth);
        if (type.ValueKind != JsonValueKind.Array || type.GetArrayLength() == 0)
            throw new ArgumentException($"'type' at {path} must be a type name or a non-empty array of them.", nameof(schema));
        var typed = type.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String
            ? CompileType(t.GetString()!, schema, path, depth)
            : throw new ArgumentException($"'type' at {path} lists a {t.ValueKind}; expected type names.", nameof(schema))).Distinct().ToArray();
        return typed.Length == 1 ? typed[0] : Add(NewChoice(typed, $"'type' at {path}"));
    }

    private int CompileType(string type, JsonElement schema, string path, int depth) => type switch
    {
        "object" => CompileObject(schema, path, depth),
        "array" => CompileArray(schema, path, depth),
        "string" => _string,
        "number" => _number,
        "integer" => _integer,
        "boolean" => _boolean,
        "null" => _null,
        _ => throw new ArgumentException($"'type' at {path} names '{type}'; expected object, array, string, number, integer, boolean or null.", nameof(schema)),
    };

    private int CompileObject(JsonElement schema, string path, int depth)
    {
        var hasProperties = schema.TryGetProperty("properties", out var properties);
        if (!hasProperties || properties.ValueKind == JsonValueKind.Object && !properties.EnumerateObject().Any())
        {
            // No declared keys: a map whose values follow additionalProperties. An empty 'properties' alone declares
            // that there are none (a function without parameters): like any object with 'properties', no others are written.
            var hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
            if (hasProperties && !hasAdditional || additional.ValueKind == JsonValueKind.False)
                return Add(new JsonGrammarNode(JsonGrammarNodeKind.FixedObject) { MinLength = 2 });
            if (!hasAdditional || additional.ValueKind == JsonValueKind.True)
                return Add(new JsonGrammarNode(JsonGrammarNodeKind.Map) { Child = _any, MinLength = 2 });
            var value = CompileSchema(additional, path + "/additionalProperties", depth + 1);
            return Add(new JsonGrammarNode(JsonGrammarNodeKind.Map) { Child = value, MinLength = 2 });
        }

        if (properties.ValueKind != JsonValueKind.Object)
            throw new ArgumentException($"'properties' at {path} must be an object.", nameof(schema));
        var names = new List<string>();
        var keys = new List<byte[]>();
        var values = new List<int>();
        foreach (var property in properties.EnumerateObject())
        {
            names.Add(property.Name);
            keys.Add(SerializeString(property.Name));
            values.Add(CompileSchema(property.Value, $"{path}/properties/{property.Name}", depth + 1));
        }

        if (schema.TryGetProperty("required", out var required))
        {
            if (required.ValueKind != JsonValueKind.Array)
                throw new ArgumentException($"'required' at {path} must be an array of property names.", nameof(schema));
            foreach (var name in required.EnumerateArray())
            {
                if (name.ValueKind != JsonValueKind.String || !names.Contains(name.GetString()!))
                    throw new NotSupportedException(
                        $"'required' at {path} names '{name}', which is not in 'properties'; only declared properties are written.");
            }
        }

        // Bytes that close the object once value i is complete: ',' key ':' value for each later property, then '}'.
        var tails = new int[keys.Count];
        var tail = 1;
        for (var i = keys.Count - 1; i >= 0; i--)
        {
            tails[i] = tail;
            tail += 1 + keys[i].Length + 1 + _nodes[values[i]].MinLength;
        }

        // tail now counts a ',' before the first key too; '{' takes its place.
        return Add(new JsonGrammarNode(JsonGrammarNodeKind.FixedObject) { Keys = [.. keys], Values = [.. values], Tails = tails, MinLength = tail });
    }

    private int CompileArray(JsonElement schema, string path, int depth)
    {
        var items = _any;
        if (schema.TryGetProperty("items", out var itemSchema)) items = CompileSchema(itemSchema, path + "/items", depth + 1);
        var minItems = ReadCount(schema, "minItems", path) ?? 0;
        var maxItems = ReadCount(schema, "maxItems", path) ?? int.MaxValue;
        if (minItems > maxItems)
            throw new ArgumentException($"'minItems' ({minItems}) at {path} is above 'maxItems' ({maxItems}).", nameof(schema));
        var item = _nodes[items].MinLength;
        var minLength = minItems == 0 ? 2 : 2 + minItems * item + (minItems - 1);
        return Add(new JsonGrammarNode(JsonGrammarNodeKind.Array) { Child = items, MinItems = minItems, MaxItems = maxItems, MinLength = minLength });
    }

    private static int? ReadCount(JsonElement schema, string keyword, string path)
    {
        if (!schema.TryGetProperty(keyword, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var count) || count < 0 || count > 100_000)
            throw new ArgumentException($"'{keyword}' at {path} must be an integer from 0 to 100000; got {value}.", nameof(schema));
        return count;
    }

    /// <summary>A choice between alternatives that start with different bytes (the automaton picks one by the first byte).</summary>
    private JsonGrammarNode NewChoice(int[] alternatives, string where)
    {
        var dispatch = new int[256];
        Array.Fill(dispatch, -1);
        var minLength = int.MaxValue;
        foreach (var alternative in alternatives)
        {
            minLength = Math.Min(minLength, _nodes[alternative].MinLength);
            foreach (var b in FirstBytes(alternative))
            {
                if (dispatch[b] >= 0 && dispatch[b] != alternative)
                    throw new NotSupportedException(
                        $"The alternatives of {where} can both start with '{(char)b}'; constrained decoding supports only alternatives " +
                        "that start differently (e.g. a string or null, an object or an array).");
                dispatch[b] = alternative;
            }
        }

        return new JsonGrammarNode(JsonGrammarNodeKind.Choice) { Dispatch = dispatch, MinLength = minLength };
    }

    private IEnumerable<byte> FirstBytes(int node)
    {
        var n = _nodes[node];
        return n.Kind switch
        {
            JsonGrammarNodeKind.FixedObject or JsonGrammarNodeKind.Map => [(byte)'{'],
            JsonGrammarNodeKind.Array => [(byte)'['],
            JsonGrammarNodeKind.String => [(byte)'"'],
            JsonGrammarNodeKind.Number => Utf8("-0123456789"),
            JsonGrammarNodeKind.Literal or JsonGrammarNodeKind.Tagged => n.Literals!.FirstBytes(),
            _ => Enumerable.Range(0, 256).Where(b => n.Dispatch[b] >= 0).Select(b => (byte)b),
        };
    }

    private int AddLiteral(byte[][] literals)
    {
        var trie = new LiteralTrie(literals);
        return Add(new JsonGrammarNode(JsonGrammarNodeKind.Literal) { Literals = trie, MinLength = trie.MinLength });
    }

    private int Add(JsonGrammarNode node)
    {
        _nodes.Add(node);
        return _nodes.Count - 1;
    }

    private static byte[] Serialize(JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions)) value.WriteTo(writer);
        return buffer.ToArray();
    }

    private static byte[] SerializeString(string value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions)) writer.WriteStringValue(value);
        return buffer.ToArray();
    }

    private static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
