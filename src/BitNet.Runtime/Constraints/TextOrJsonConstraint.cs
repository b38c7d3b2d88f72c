using BitNet.Runtime.Generation;

namespace BitNet.Runtime.Constraints;

/// <summary>
/// Either free text or a value of a <see cref="JsonGrammar"/>, decided by the first character that is not whitespace:
/// one the grammar's text can start with commits the output to the grammar (masked as <see cref="JsonTokenConstraint"/>
/// does from then on), any other makes it free text (nothing masked). Used for "auto" tool calls, where the model
/// either answers or calls a function. Created by <see cref="JsonGrammar.CreateTextOrValueConstraint"/>.
/// </summary>
internal sealed class TextOrJsonConstraint : ITokenConstraint
{
    private readonly JsonTokenConstraint _json;
    private readonly ConstraintVocabulary _vocabulary;
    private readonly uint[] _textStarts;   // tokens whose first non-whitespace byte no value starts with
    private Mode _mode;

    public TextOrJsonConstraint(JsonTokenConstraint json, ConstraintVocabulary vocabulary)
    {
        _json = json;
        _vocabulary = vocabulary;
        var valueStarts = new bool[256];
        var start = JsonParserState.Start(json.Grammar);
        for (var b = 0; b < 256; b++)
        {
            var probe = start;
            valueStarts[b] = b is not (' ' or '\t' or '\n' or '\r') && probe.Step(json.Grammar, (byte)b);
        }

        _textStarts = new uint[(vocabulary.Size + 31) / 32];
        for (var id = 0; id < vocabulary.Size; id++)
        {
            var first = FirstNonWhitespace(vocabulary.TokenBytes[id]);
            if (first >= 0 && !valueStarts[first]) _textStarts[id >> 5] |= 1u << (id & 31);
        }

        foreach (var id in vocabulary.EndIds) _textStarts[id >> 5] |= 1u << (id & 31);
    }

    private enum Mode : byte
    {
        Undecided,
        Value,
        Text,
    }

    /// <inheritdoc />
    public bool IsComplete => _mode == Mode.Value && _json.IsComplete;

    /// <inheritdoc />
    public void MaskLogits(Span<float> logits, int tokensLeft)
    {
        switch (_mode)
        {
            case Mode.Text:
                return;
            case Mode.Value:
                _json.MaskLogits(logits, tokensLeft);
                return;
            default:
                // The value's first tokens (whitespace included) or any token that starts text.
                var allowed = _json.ComputeAllowed(tokensLeft);
                for (var w = 0; w < allowed.Length; w++) allowed[w] |= _textStarts[w];
                JsonTokenConstraint.Apply(allowed, logits);
                return;
        }
    }

    /// <inheritdoc />
    public void Accept(int tokenId)
    {
        if (_mode == Mode.Value) _json.Accept(tokenId);
        if (_mode != Mode.Undecided) return;
        if ((uint)tokenId < (uint)_vocabulary.Size && (_textStarts[tokenId >> 5] & (1u << (tokenId & 31))) != 0)
        {
            _mode = Mode.Text;
            return;
        }

        _json.Accept(tokenId);
        // Leading whitespace leaves the choice open.
        if (FirstNonWhitespace(_vocabulary.TokenBytes[tokenId]) >= 0) _mode = Mode.Value;
    }

    private static int FirstNonWhitespace(byte[] bytes)
    {
        foreach (var b in bytes)
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')) return b;
        return -1;
    }
}
