using System.Text.Json;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Tokenization;

namespace BitNet.Runtime.Constraints;

/// <summary>
/// A compiled grammar for JSON text: any value, any object, or the values a JSON schema allows
/// (<see cref="FromSchema(JsonElement)"/>). <see cref="CreateConstraint"/> makes the <see cref="ITokenConstraint"/> that
/// keeps a generation inside it, so that the output always parses (and validates against the schema).
/// </summary>
/// <remarks>
/// <para><b>Schema subset.</b> <c>type</c> (a name or a list of names: object, array, string, number, integer, boolean,
/// null), <c>properties</c> with <c>required</c>, <c>additionalProperties</c>, <c>items</c>, <c>minItems</c>,
/// <c>maxItems</c>, <c>enum</c>, <c>const</c>, <c>anyOf</c> and <c>oneOf</c> whose alternatives start with different
/// characters (e.g. a string or null). Annotations are ignored (<c>$schema</c>, <c>$id</c>, <c>$comment</c>,
/// <c>title</c>, <c>description</c>, <c>default</c>, <c>examples</c>, <c>readOnly</c>, <c>writeOnly</c>,
/// <c>deprecated</c>, <c>$defs</c>); any other keyword raises <see cref="NotSupportedException"/> naming it, because
/// ignoring an assertion (a pattern, a minimum, a <c>$ref</c>) would let invalid output through.</para>
/// <para><b>Objects.</b> An object with <c>properties</c> is written with every declared property, required or not, in
/// declared order, and no others (as if <c>additionalProperties</c> were false): always valid, and what typed
/// deserialization expects. An object without <c>properties</c> has any keys with values of its
/// <c>additionalProperties</c> schema (any value when it is absent or true; none when it is false).</para>
/// <para><b>Bounds</b> that keep output finite and readable by .NET: at most <see cref="JsonParserState.MaxWhitespace"/>
/// whitespace bytes between tokens; numbers with at most 15 integer digits (9 for <c>integer</c>, so that it fits an
/// <see cref="int"/>), 15 fraction digits and 2 exponent digits; nesting at most 31 levels deep.</para>
/// </remarks>
public sealed class JsonGrammar
{
    internal JsonGrammar(JsonGrammarNode[] nodes, int root, int stringNode)
    {
        Nodes = nodes;
        Root = root;
        StringNode = stringNode;
    }

    /// <summary>Any JSON value.</summary>
    public static JsonGrammar AnyValue { get; } = JsonSchemaCompiler.CompileAny(objectOnly: false);

    /// <summary>Any JSON object (what <c>ChatResponseFormat.Json</c> without a schema asks for).</summary>
    public static JsonGrammar AnyObject { get; } = JsonSchemaCompiler.CompileAny(objectOnly: true);

    internal JsonGrammarNode[] Nodes { get; }

    internal int Root { get; }

    /// <summary>The node of a free string (used for the keys of maps).</summary>
    internal int StringNode { get; }

    /// <summary>The length in bytes of the shortest text the grammar allows: a lower bound on the tokens any output needs.</summary>
    public int MinimumLength => Nodes[Root].MinLength;

    /// <summary>Compiles a JSON schema (see the remarks for the supported subset).</summary>
    /// <param name="schema">The schema: an object, or <c>true</c> for any value.</param>
    /// <exception cref="NotSupportedException">The schema uses a keyword or a combination this grammar cannot enforce; the message names it and where.</exception>
    /// <exception cref="ArgumentException">The schema is malformed (e.g. <c>type</c> is a number).</exception>
    public static JsonGrammar FromSchema(JsonElement schema) => JsonSchemaCompiler.Compile(schema);

    /// <summary>Compiles a JSON schema given as text.</summary>
    /// <exception cref="NotSupportedException">The schema uses a keyword or a combination this grammar cannot enforce.</exception>
    /// <exception cref="ArgumentException">The schema is malformed.</exception>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static JsonGrammar FromSchema(string schemaJson)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        using var document = JsonDocument.Parse(schemaJson);
        return JsonSchemaCompiler.Compile(document.RootElement);
    }

    /// <summary>
    /// A grammar for a call of one of several functions, written as <c>{"name":"NAME","arguments":ARGS}</c> (the
    /// Llama 3 / BitNet b1.58 2B4T JSON tool-call convention, without whitespace before the arguments) where ARGS
    /// matches the named function's parameter schema.
    /// </summary>
    /// <param name="functions">Each function's name and the JSON schema of its arguments object.</param>
    /// <exception cref="NotSupportedException">A parameter schema uses a keyword the grammar cannot enforce.</exception>
    /// <exception cref="ArgumentException">No functions, or a duplicate name.</exception>
    public static JsonGrammar ForFunctionCalls(IEnumerable<KeyValuePair<string, JsonElement>> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var alternatives = new List<(byte[], JsonElement)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, schema) in functions)
        {
            if (!names.Add(name)) throw new ArgumentException($"The function '{name}' is listed twice.", nameof(functions));
            alternatives.Add((FunctionCallPrefix(name), schema));
        }

        return JsonSchemaCompiler.CompileTagged(alternatives, "}"u8.ToArray());
    }

    /// <summary>The text a call of <paramref name="name"/> starts with, up to its arguments.</summary>
    internal static byte[] FunctionCallPrefix(string name) =>
        System.Text.Encoding.UTF8.GetBytes("{\"name\":" + JsonSerializer.Serialize(name) + ",\"arguments\":");

    /// <summary>
    /// Creates the constraint for one generation with <paramref name="tokenizer"/>'s vocabulary (assign the method
    /// group to <see cref="GenerationOptions.Constraint"/>). The vocabulary's token tables are built once per tokenizer
    /// and shared.
    /// </summary>
    public ITokenConstraint CreateConstraint(BitNetTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return new JsonTokenConstraint(this, ConstraintVocabulary.For(tokenizer));
    }

    /// <summary>
    /// Creates a constraint for one generation whose output is either a text of this grammar or free text, decided by
    /// its first character that is not whitespace (one a value can start with commits it to the grammar). For "auto"
    /// tool calls: the model answers, or calls a function with valid arguments.
    /// </summary>
    public ITokenConstraint CreateTextOrValueConstraint(BitNetTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var vocabulary = ConstraintVocabulary.For(tokenizer);
        return new TextOrJsonConstraint(new JsonTokenConstraint(this, vocabulary), vocabulary);
    }

    /// <summary>Whether <paramref name="utf8Json"/> is a complete text of this grammar (the automaton, byte by byte).</summary>
    public bool Accepts(ReadOnlySpan<byte> utf8Json) => FirstRejectedByte(utf8Json) < 0 && EndsComplete(utf8Json);

    /// <summary>The index of the first byte the grammar rejects, or -1 when every byte is accepted (the text may still be incomplete).</summary>
    internal int FirstRejectedByte(ReadOnlySpan<byte> utf8Json)
    {
        var state = JsonParserState.Start(this);
        for (var i = 0; i < utf8Json.Length; i++)
            if (!state.Step(this, utf8Json[i])) return i;
        return -1;
    }

    private bool EndsComplete(ReadOnlySpan<byte> utf8Json)
    {
        var state = JsonParserState.Start(this);
        foreach (var b in utf8Json) state.Step(this, b);
        return state.CanEnd(this);
    }
}
