namespace BitNet.Runtime.Constraints;

/// <summary>Where a <see cref="JsonParserFrame"/> is inside the value its node matches.</summary>
internal enum JsonParserPhase : byte
{
    /// <summary>Before the value (whitespace may come first).</summary>
    Start,

    // Objects and arrays.
    AfterOpen,
    Key,
    AfterKey,
    AfterValue,
    BeforeKey,
    AfterItem,
    BeforeItem,

    // Strings.
    Body,
    Escape,
    Hex,
    NeedLowSurrogateBackslash,
    NeedLowSurrogateU,
    HexLowSurrogate,
    Utf8,

    // Numbers.
    Minus,
    Zero,
    Integer,
    FractionFirst,
    Fraction,
    ExponentStart,
    ExponentSign,
    Exponent,

    // Literals.
    InLiteral,
}
