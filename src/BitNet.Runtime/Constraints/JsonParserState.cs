namespace BitNet.Runtime.Constraints;

/// <summary>
/// A pushdown automaton over the bytes of a JSON text that a <see cref="JsonGrammar"/> allows: a stack of open values
/// (<see cref="JsonParserFrame"/>), stepped one byte at a time. A value type of fixed size with no references, so the
/// token mask copies it per trie node without allocating.
/// </summary>
/// <remarks>
/// Strings must be valid UTF-8 (no overlong forms, no encoded surrogates) and escaped surrogates must pair, so that
/// every accepted text is one that System.Text.Json reads back. Whitespace is bounded per gap
/// (<see cref="MaxWhitespace"/>), numbers per part (<see cref="MaxIntegerDigits"/> and friends), nesting by
/// <see cref="MaxDepth"/>. After the root value nothing more is accepted.
/// </remarks>
internal struct JsonParserState
{
    /// <summary>The deepest nesting of open values (arrays, objects, and the string or number being read).</summary>
    public const int MaxDepth = 32;

    /// <summary>Whitespace bytes allowed in one gap between tokens of the JSON text.</summary>
    public const int MaxWhitespace = 8;

    /// <summary>Digits before the point of a number: 15 keeps every value exact in a double.</summary>
    public const int MaxIntegerDigits = 15;

    /// <summary>Digits of an integer (schema type <c>integer</c>): 9 always fits a 32-bit int.</summary>
    public const int MaxIntegerTypeDigits = 9;

    /// <summary>Digits after the point.</summary>
    public const int MaxFractionDigits = 15;

    /// <summary>Exponent digits: two keep every number finite as a double.</summary>
    public const int MaxExponentDigits = 2;

    private const int AnyContinuation = 0x80 | (0xBF << 8);

    private JsonParserFrameBuffer _frames;

    /// <summary>Open values; 0 once the root value is complete.</summary>
    public int Depth;

    private enum Outcome : byte
    {
        Rejected,
        Consumed,
        Refeed,
    }

    /// <summary>The state before the first byte of a <paramref name="grammar"/>'s text.</summary>
    public static JsonParserState Start(JsonGrammar grammar)
    {
        var state = default(JsonParserState);
        state._frames[0] = new JsonParserFrame { Node = grammar.Root, Phase = JsonParserPhase.Start };
        state.Depth = 1;
        return state;
    }

    /// <summary>Whether the root value is complete (nothing more may follow).</summary>
    public readonly bool IsComplete => Depth == 0;

    /// <summary>Makes this state equal to <paramref name="other"/>, copying only its open frames.</summary>
    public void CopyFrom(in JsonParserState other)
    {
        Depth = other.Depth;
        ((ReadOnlySpan<JsonParserFrame>)other._frames)[..other.Depth].CopyTo(_frames);
    }

    /// <summary>Whether the text may end here: the root value is complete, or it is a number or literal that may end.</summary>
    public readonly bool CanEnd(JsonGrammar grammar)
    {
        if (Depth == 0) return true;
        if (Depth > 1) return false;
        ref readonly var f = ref _frames[0];
        var node = grammar.Nodes[f.Node];
        return node.Kind switch
        {
            JsonGrammarNodeKind.Number => f.Phase is JsonParserPhase.Zero or JsonParserPhase.Integer or JsonParserPhase.Fraction or JsonParserPhase.Exponent,
            JsonGrammarNodeKind.Literal => f.Phase == JsonParserPhase.InLiteral && node.Literals!.IsAccepting(f.Aux),
            _ => false,
        };
    }

    /// <summary>
    /// Whether the innermost value is a string between characters (no escape or UTF-8 sequence open): any token of
    /// plain string text keeps it there, whatever surrounds the string.
    /// </summary>
    public readonly bool IsInStringBody(JsonGrammar grammar) =>
        Depth > 0 && _frames[Depth - 1].Phase == JsonParserPhase.Body && grammar.Nodes[_frames[Depth - 1].Node].Kind == JsonGrammarNodeKind.String;

    /// <summary>The fewest bytes that complete the root value from here (each open value closed the shortest way).</summary>
    public readonly int MinCompletion(JsonGrammar grammar)
    {
        var total = 0;
        for (var i = 0; i < Depth; i++) total += FrameCompletion(grammar, in _frames[i]);
        return total;
    }

    /// <summary>Reads one byte; false (and an unspecified state) when the grammar does not allow it here.</summary>
    public bool Step(JsonGrammar grammar, byte b)
    {
        var nodes = grammar.Nodes;
        while (Depth > 0)
        {
            ref var f = ref _frames[Depth - 1];
            var node = nodes[f.Node];
            var outcome = node.Kind switch
            {
                JsonGrammarNodeKind.Choice => StepChoice(ref f, node, b),
                JsonGrammarNodeKind.FixedObject => StepFixedObject(ref f, node, b),
                JsonGrammarNodeKind.Map => StepMap(ref f, node, grammar, b),
                JsonGrammarNodeKind.Array => StepArray(ref f, node, b),
                JsonGrammarNodeKind.String => StepString(ref f, b),
                JsonGrammarNodeKind.Number => StepNumber(ref f, node, b),
                JsonGrammarNodeKind.Tagged => StepTagged(ref f, node, b),
                _ => StepLiteral(ref f, node, b),
            };
            if (outcome != Outcome.Refeed) return outcome == Outcome.Consumed;
        }

        return false; // nothing follows the root value
    }

    private static Outcome StepChoice(ref JsonParserFrame f, JsonGrammarNode node, byte b)
    {
        if (IsWhitespace(b)) return Space(ref f);
        var alternative = node.Dispatch[b];
        if (alternative < 0) return Outcome.Rejected;
        // The frame becomes the alternative, which reads the same byte (leading whitespace stays counted).
        f.Node = alternative;
        return Outcome.Refeed;
    }

    private Outcome StepFixedObject(ref JsonParserFrame f, JsonGrammarNode node, byte b)
    {
        var keys = node.Keys;
        switch (f.Phase)
        {
            case JsonParserPhase.Start:
                if (IsWhitespace(b)) return Space(ref f);
                return b == '{' ? Go(ref f, JsonParserPhase.AfterOpen) : Outcome.Rejected;
            case JsonParserPhase.AfterOpen:
            case JsonParserPhase.BeforeKey:
                if (IsWhitespace(b)) return Space(ref f);
                if (keys.Length == 0) return b == '}' ? Pop() : Outcome.Rejected;
                if (b != keys[f.Index][0]) return Outcome.Rejected;
                f.Aux = 1;
                return Go(ref f, JsonParserPhase.Key);
            case JsonParserPhase.Key:
                var key = keys[f.Index];
                if (b != key[f.Aux]) return Outcome.Rejected;
                if (++f.Aux == key.Length) Go(ref f, JsonParserPhase.AfterKey);
                return Outcome.Consumed;
            case JsonParserPhase.AfterKey:
                if (IsWhitespace(b)) return Space(ref f);
                if (b != ':') return Outcome.Rejected;
                Go(ref f, JsonParserPhase.AfterValue);
                return Push(node.Values[f.Index], JsonParserPhase.Start) ? Outcome.Consumed : Outcome.Rejected;
            default: // AfterValue
                if (IsWhitespace(b)) return Space(ref f);
                if (f.Index + 1 < keys.Length)
                {
                    if (b != ',') return Outcome.Rejected;
                    f.Index++;
                    return Go(ref f, JsonParserPhase.BeforeKey);
                }

                return b == '}' ? Pop() : Outcome.Rejected;
        }
    }

    private Outcome StepMap(ref JsonParserFrame f, JsonGrammarNode node, JsonGrammar grammar, byte b)
    {
        if (IsWhitespace(b)) return Space(ref f);
        switch (f.Phase)
        {
            case JsonParserPhase.Start:
                return b == '{' ? Go(ref f, JsonParserPhase.AfterOpen) : Outcome.Rejected;
            case JsonParserPhase.AfterOpen:
            case JsonParserPhase.BeforeKey:
                if (b == '}' && f.Phase == JsonParserPhase.AfterOpen) return Pop();
                if (b != '"') return Outcome.Rejected;
                Go(ref f, JsonParserPhase.AfterKey);
                return Push(grammar.StringNode, JsonParserPhase.Body) ? Outcome.Consumed : Outcome.Rejected;
            case JsonParserPhase.AfterKey:
                if (b != ':') return Outcome.Rejected;
                Go(ref f, JsonParserPhase.AfterValue);
                return Push(node.Child, JsonParserPhase.Start) ? Outcome.Consumed : Outcome.Rejected;
            default: // AfterValue
                if (b == ',') return Go(ref f, JsonParserPhase.BeforeKey);
                return b == '}' ? Pop() : Outcome.Rejected;
        }
    }

    private Outcome StepArray(ref JsonParserFrame f, JsonGrammarNode node, byte b)
    {
        if (IsWhitespace(b)) return Space(ref f);
        switch (f.Phase)
        {
            case JsonParserPhase.Start:
                return b == '[' ? Go(ref f, JsonParserPhase.AfterOpen) : Outcome.Rejected;
            case JsonParserPhase.AfterOpen:
                if (b == ']' && node.MinItems == 0) return Pop();
                return node.MaxItems > 0 ? NextItem(ref f, node) : Outcome.Rejected;
            case JsonParserPhase.BeforeItem:
                return NextItem(ref f, node);
            default: // AfterItem
                if (b == ',' && f.Index < node.MaxItems) return Go(ref f, JsonParserPhase.BeforeItem);
                return b == ']' && f.Index >= node.MinItems ? Pop() : Outcome.Rejected;
        }
    }

    /// <summary>Opens the next item, which then reads the byte.</summary>
    private Outcome NextItem(ref JsonParserFrame f, JsonGrammarNode node)
    {
        f.Index++;
        Go(ref f, JsonParserPhase.AfterItem);
        return Push(node.Child, JsonParserPhase.Start) ? Outcome.Refeed : Outcome.Rejected;
    }

    private Outcome StepString(ref JsonParserFrame f, byte b)
    {
        switch (f.Phase)
        {
            case JsonParserPhase.Start:
                if (IsWhitespace(b)) return Space(ref f);
                return b == '"' ? Go(ref f, JsonParserPhase.Body) : Outcome.Rejected;
            case JsonParserPhase.Body:
                if (b == '"') return Pop();
                if (b == '\\') return Go(ref f, JsonParserPhase.Escape);
                if (b < 0x20) return Outcome.Rejected;
                if (b < 0x80) return Outcome.Consumed;
                return StartUtf8(ref f, b);
            case JsonParserPhase.Escape:
                if (b == 'u')
                {
                    f.Index = 0;
                    f.Aux = 0;
                    return Go(ref f, JsonParserPhase.Hex);
                }

                return b is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t'
                    ? Go(ref f, JsonParserPhase.Body)
                    : Outcome.Rejected;
            case JsonParserPhase.Hex:
            {
                var digit = HexValue(b);
                if (digit < 0) return Outcome.Rejected;
                f.Aux = (f.Aux << 4) | digit;
                f.Index++;
                // A low surrogate may only follow a high one.
                if (f.Index == 2 && f.Aux is >= 0xDC and <= 0xDF) return Outcome.Rejected;
                if (f.Index < 4) return Outcome.Consumed;
                return Go(ref f, f.Aux is >= 0xD800 and <= 0xDBFF ? JsonParserPhase.NeedLowSurrogateBackslash : JsonParserPhase.Body);
            }
            case JsonParserPhase.NeedLowSurrogateBackslash:
                return b == '\\' ? Go(ref f, JsonParserPhase.NeedLowSurrogateU) : Outcome.Rejected;
            case JsonParserPhase.NeedLowSurrogateU:
                if (b != 'u') return Outcome.Rejected;
                f.Index = 0;
                f.Aux = 0;
                return Go(ref f, JsonParserPhase.HexLowSurrogate);
            case JsonParserPhase.HexLowSurrogate:
            {
                var digit = HexValue(b);
                if (digit < 0) return Outcome.Rejected;
                f.Aux = (f.Aux << 4) | digit;
                f.Index++;
                if ((f.Index == 1 && f.Aux != 0xD) || (f.Index == 2 && f.Aux < 0xDC)) return Outcome.Rejected;
                return f.Index < 4 ? Outcome.Consumed : Go(ref f, JsonParserPhase.Body);
            }
            default: // Utf8: a continuation byte within the bounds the lead byte set
                if (b < (f.Aux & 0xFF) || b > f.Aux >> 8) return Outcome.Rejected;
                f.Aux = AnyContinuation;
                return --f.Index == 0 ? Go(ref f, JsonParserPhase.Body) : Outcome.Consumed;
        }
    }

    /// <summary>A UTF-8 lead byte: how many continuation bytes follow, and the range of the first (RFC 3629's table).</summary>
    private static Outcome StartUtf8(ref JsonParserFrame f, byte b)
    {
        (f.Index, f.Aux) = b switch
        {
            >= 0xC2 and <= 0xDF => (1, AnyContinuation),
            0xE0 => (2, 0xA0 | (0xBF << 8)),
            0xED => (2, 0x80 | (0x9F << 8)),
            >= 0xE1 and <= 0xEF => (2, AnyContinuation),
            0xF0 => (3, 0x90 | (0xBF << 8)),
            >= 0xF1 and <= 0xF3 => (3, AnyContinuation),
            0xF4 => (3, 0x80 | (0x8F << 8)),
            _ => (0, 0),
        };
        return f.Index == 0 ? Outcome.Rejected : Go(ref f, JsonParserPhase.Utf8);
    }

    private Outcome StepNumber(ref JsonParserFrame f, JsonGrammarNode node, byte b)
    {
        var isDigit = b is >= (byte)'0' and <= (byte)'9';
        var fractionAllowed = !node.IntegerOnly;
        switch (f.Phase)
        {
            case JsonParserPhase.Start:
                if (IsWhitespace(b)) return Space(ref f);
                if (b == '-') return Go(ref f, JsonParserPhase.Minus);
                goto case JsonParserPhase.Minus;
            case JsonParserPhase.Minus:
                if (b == '0') return Go(ref f, JsonParserPhase.Zero);
                if (!isDigit) return Outcome.Rejected;
                f.Index = 1;
                return Go(ref f, JsonParserPhase.Integer);
            case JsonParserPhase.Zero:
            case JsonParserPhase.Integer:
                if (isDigit)
                {
                    var limit = node.IntegerOnly ? MaxIntegerTypeDigits : MaxIntegerDigits;
                    return f.Phase == JsonParserPhase.Integer && f.Index++ < limit ? Outcome.Consumed : Outcome.Rejected;
                }

                if (b == '.' && fractionAllowed) return Go(ref f, JsonParserPhase.FractionFirst);
                if (b is (byte)'e' or (byte)'E' && fractionAllowed) return Go(ref f, JsonParserPhase.ExponentStart);
                return PopAndRefeed();
            case JsonParserPhase.FractionFirst:
                if (!isDigit) return Outcome.Rejected;
                f.Index = 1;
                return Go(ref f, JsonParserPhase.Fraction);
            case JsonParserPhase.Fraction:
                if (isDigit) return f.Index++ < MaxFractionDigits ? Outcome.Consumed : Outcome.Rejected;
                if (b is (byte)'e' or (byte)'E') return Go(ref f, JsonParserPhase.ExponentStart);
                return PopAndRefeed();
            case JsonParserPhase.ExponentStart:
                if (b is (byte)'+' or (byte)'-') return Go(ref f, JsonParserPhase.ExponentSign);
                goto case JsonParserPhase.ExponentSign;
            case JsonParserPhase.ExponentSign:
                if (!isDigit) return Outcome.Rejected;
                f.Index = 1;
                return Go(ref f, JsonParserPhase.Exponent);
            default: // Exponent
                if (isDigit) return f.Index++ < MaxExponentDigits ? Outcome.Consumed : Outcome.Rejected;
                return PopAndRefeed();
        }
    }

    private Outcome StepLiteral(ref JsonParserFrame f, JsonGrammarNode node, byte b)
    {
        var trie = node.Literals!;
        int next;
        if (f.Phase == JsonParserPhase.Start)
        {
            if (IsWhitespace(b)) return Space(ref f);
            next = trie.Next(0, b);
            if (next < 0) return Outcome.Rejected;
            Go(ref f, JsonParserPhase.InLiteral);
        }
        else
        {
            next = trie.Next(f.Aux, b);
            if (next < 0) return trie.IsAccepting(f.Aux) ? PopAndRefeed() : Outcome.Rejected;
        }

        f.Aux = next;
        // A literal that nothing can extend ends with its last byte; one that could go on ends at the next byte.
        return trie.IsAccepting(next) && !trie.HasChildren(next) ? Pop() : Outcome.Consumed;
    }

    private Outcome StepTagged(ref JsonParserFrame f, JsonGrammarNode node, byte b)
    {
        if (f.Phase == JsonParserPhase.AfterValue)
        {
            if (f.Index == 0 && IsWhitespace(b)) return Space(ref f);
            if (b != node.Suffix[f.Index]) return Outcome.Rejected;
            return ++f.Index == node.Suffix.Length ? Pop() : Outcome.Consumed;
        }

        var trie = node.Literals!;
        if (f.Phase == JsonParserPhase.Start && IsWhitespace(b)) return Space(ref f);
        var next = trie.Next(f.Phase == JsonParserPhase.Start ? 0 : f.Aux, b);
        if (next < 0) return Outcome.Rejected;
        Go(ref f, JsonParserPhase.InLiteral);
        f.Aux = next;
        if (node.TagValues[next] < 0) return Outcome.Consumed;
        // The prefix is complete: its value follows, then the suffix.
        f.Index = 0;
        Go(ref f, JsonParserPhase.AfterValue);
        return Push(node.TagValues[next], JsonParserPhase.Start) ? Outcome.Consumed : Outcome.Rejected;
    }

    private static int FrameCompletion(JsonGrammar grammar, in JsonParserFrame f)
    {
        var node = grammar.Nodes[f.Node];
        if (f.Phase == JsonParserPhase.Start) return node.MinLength;
        switch (node.Kind)
        {
            case JsonGrammarNodeKind.FixedObject:
            {
                if (node.Keys.Length == 0) return 1;
                var i = f.Index;
                var pair = 1 + grammar.Nodes[node.Values[i]].MinLength + node.Tails[i]; // ':' value, then the rest
                return f.Phase switch
                {
                    JsonParserPhase.AfterOpen or JsonParserPhase.BeforeKey => node.Keys[i].Length + pair,
                    JsonParserPhase.Key => node.Keys[i].Length - f.Aux + pair,
                    JsonParserPhase.AfterKey => pair,
                    _ => node.Tails[i],
                };
            }
            case JsonGrammarNodeKind.Map:
            {
                var value = grammar.Nodes[node.Child].MinLength;
                return f.Phase switch
                {
                    JsonParserPhase.AfterKey => 1 + value + 1,
                    JsonParserPhase.BeforeKey => 2 + 1 + value + 1,
                    _ => 1,
                };
            }
            case JsonGrammarNodeKind.Array:
            {
                var item = grammar.Nodes[node.Child].MinLength;
                return f.Phase switch
                {
                    JsonParserPhase.AfterOpen => node.MinLength - 1,
                    JsonParserPhase.AfterItem => Math.Max(0, node.MinItems - f.Index) * (item + 1) + 1,
                    _ => item + Math.Max(0, node.MinItems - f.Index - 1) * (item + 1) + 1, // BeforeItem
                };
            }
            case JsonGrammarNodeKind.String:
                return f.Phase switch
                {
                    JsonParserPhase.Body => 1,
                    JsonParserPhase.Escape => 2,
                    JsonParserPhase.Hex => 4 - f.Index + 1 + (IsHighSurrogatePrefix(f.Index, f.Aux) ? 6 : 0),
                    JsonParserPhase.NeedLowSurrogateBackslash => 7,
                    JsonParserPhase.NeedLowSurrogateU => 6,
                    JsonParserPhase.HexLowSurrogate => 4 - f.Index + 1,
                    _ => f.Index + 1, // Utf8
                };
            case JsonGrammarNodeKind.Number:
                return f.Phase is JsonParserPhase.Minus or JsonParserPhase.FractionFirst or JsonParserPhase.ExponentStart or JsonParserPhase.ExponentSign ? 1 : 0;
            case JsonGrammarNodeKind.Literal:
                return node.Literals!.MinRemaining(f.Aux);
            case JsonGrammarNodeKind.Tagged:
                return f.Phase == JsonParserPhase.AfterValue ? node.Suffix.Length - f.Index : node.TagCompletions[f.Aux];
            default:
                return node.MinLength;
        }
    }

    private static bool IsHighSurrogatePrefix(int digits, int value) =>
        digits >= 2 && (value >> (4 * (digits - 2))) is >= 0xD8 and <= 0xDB;

    private bool Push(int node, JsonParserPhase phase)
    {
        if (Depth == MaxDepth) return false;
        _frames[Depth++] = new JsonParserFrame { Node = node, Phase = phase };
        return true;
    }

    private Outcome Pop()
    {
        Depth--;
        return Outcome.Consumed;
    }

    private Outcome PopAndRefeed()
    {
        Depth--;
        return Outcome.Refeed;
    }

    private static Outcome Go(ref JsonParserFrame f, JsonParserPhase phase)
    {
        f.Phase = phase;
        f.Whitespace = 0;
        return Outcome.Consumed;
    }

    private static Outcome Space(ref JsonParserFrame f)
    {
        if (f.Whitespace >= MaxWhitespace) return Outcome.Rejected;
        f.Whitespace++;
        return Outcome.Consumed;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t';

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
