namespace BitNet.Runtime.Constraints;

/// <summary>
/// One node of a compiled <see cref="JsonGrammar"/>. Nodes refer to each other by index into
/// <see cref="JsonGrammar.Nodes"/>; only the fields of the node's <see cref="Kind"/> are set.
/// </summary>
internal sealed class JsonGrammarNode
{
    public JsonGrammarNode(JsonGrammarNodeKind kind) => Kind = kind;

    public JsonGrammarNodeKind Kind { get; }

    /// <summary>The length in bytes of the shortest value this node matches.</summary>
    public int MinLength { get; set; }

    /// <summary>FixedObject: each key as JSON text, quotes included (<c>"name"</c>).</summary>
    public byte[][] Keys { get; init; } = [];

    /// <summary>FixedObject: the node of each key's value.</summary>
    public int[] Values { get; init; } = [];

    /// <summary>FixedObject: the fewest bytes that close the object once value i is complete.</summary>
    public int[] Tails { get; set; } = [];

    /// <summary>Map: the value node; Array: the item node.</summary>
    public int Child { get; init; } = -1;

    /// <summary>Array: the fewest items.</summary>
    public int MinItems { get; init; }

    /// <summary>Array: the most items.</summary>
    public int MaxItems { get; init; } = int.MaxValue;

    /// <summary>Number: only integers (no fraction, no exponent).</summary>
    public bool IntegerOnly { get; init; }

    /// <summary>Literal: the texts; Tagged: the prefixes.</summary>
    public LiteralTrie? Literals { get; init; }

    /// <summary>Tagged: for each prefix-trie node where a prefix ends, the node of the value that follows (else -1).</summary>
    public int[] TagValues { get; init; } = [];

    /// <summary>Tagged: for each prefix-trie node, the fewest bytes that complete the text from there.</summary>
    public int[] TagCompletions { get; init; } = [];

    /// <summary>Tagged: the text after the value (e.g. <c>}</c>).</summary>
    public byte[] Suffix { get; init; } = [];

    /// <summary>Choice: for each first byte, the alternative that starts with it, or -1.</summary>
    public int[] Dispatch { get; init; } = [];
}
