namespace BitNet.Runtime.Constraints;

/// <summary>What a <see cref="JsonGrammarNode"/> matches.</summary>
internal enum JsonGrammarNodeKind : byte
{
    /// <summary>One of several alternatives, told apart by their first character (anyOf, a list of types, any value).</summary>
    Choice,

    /// <summary>An object with fixed keys, every one emitted, in declared order.</summary>
    FixedObject,

    /// <summary>An object with any string keys and values of one node.</summary>
    Map,

    /// <summary>An array of values of one node, with a count range.</summary>
    Array,

    /// <summary>Any JSON string.</summary>
    String,

    /// <summary>A JSON number (or only an integer), with bounded digit counts.</summary>
    Number,

    /// <summary>One of a fixed set of JSON texts (enum, const, true/false/null).</summary>
    Literal,

    /// <summary>
    /// One of a fixed set of literal prefixes, each followed by a value of its own node, then a fixed suffix: a function
    /// call <c>{"name":"f","arguments":</c> args <c>}</c>, whose argument schema depends on the name.
    /// </summary>
    Tagged,
}
