using System.Runtime.CompilerServices;

namespace BitNet.Runtime.Constraints;

/// <summary>One open value on the <see cref="JsonParserState"/> stack.</summary>
internal struct JsonParserFrame
{
    /// <summary>The grammar node being matched.</summary>
    public int Node;

    /// <summary>Where in the value the parser is.</summary>
    public JsonParserPhase Phase;

    /// <summary>Whitespace bytes read in this phase (bounded, so the output cannot run on in spaces).</summary>
    public byte Whitespace;

    /// <summary>Property index (FixedObject), item count (Array), digit count (Number), hex digits or UTF-8 bytes left (String).</summary>
    public int Index;

    /// <summary>Key position (FixedObject), trie node (Literal), hex value or next-byte bounds (String).</summary>
    public int Aux;
}

/// <summary>The fixed-capacity frame stack of a <see cref="JsonParserState"/>, held inline so that a state copies as a value.</summary>
[InlineArray(JsonParserState.MaxDepth)]
internal struct JsonParserFrameBuffer
{
    private JsonParserFrame _first;
}
