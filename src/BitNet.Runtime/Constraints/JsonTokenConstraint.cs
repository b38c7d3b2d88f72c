using System.Numerics;
using BitNet.Runtime.Generation;

namespace BitNet.Runtime.Constraints;

/// <summary>
/// Keeps one generation inside a <see cref="JsonGrammar"/>: before each token, every token whose bytes the grammar does
/// not accept from the current state is masked to negative infinity; the end-of-generation tokens are allowed only once
/// the value is complete. Created by <see cref="JsonGrammar.CreateConstraint"/>.
/// </summary>
/// <remarks>
/// <para><b>How the mask is computed.</b> The grammar is stepped down the vocabulary's byte trie from the current state,
/// one step per trie edge, skipping whole subtrees at the first rejected byte, so structural positions (after a
/// <c>{</c>, a <c>:</c>, a digit) visit only the few branches that can follow. Inside a string almost every token is
/// allowed: the tokens that are plain string text (<see cref="ConstraintVocabulary.StringSafe"/>) are copied as a
/// precomputed bit set and only the rest (quotes, escapes, split UTF-8) are walked.</para>
/// <para><b>Length.</b> A token is allowed only if the value can still be completed in the tokens left after it, one
/// byte per token at worst (every vocabulary here has a token for each byte), so a generation that reaches its token
/// limit still ends with complete, valid JSON: near the limit the mask leaves only what closes the value.</para>
/// <para>After construction, <see cref="MaskLogits"/> and <see cref="Accept"/> allocate nothing.</para>
/// </remarks>
internal sealed class JsonTokenConstraint : ITokenConstraint
{
    private readonly JsonGrammar _grammar;
    private readonly ConstraintVocabulary _vocabulary;

    /// <summary>The grammar this constraint follows.</summary>
    internal JsonGrammar Grammar => _grammar;
    private readonly JsonParserState[] _slots;   // the state after each depth of the trie walk
    private readonly uint[] _allowed;
    private JsonParserState _state;
    private bool _ended;

    public JsonTokenConstraint(JsonGrammar grammar, ConstraintVocabulary vocabulary)
    {
        _grammar = grammar;
        _vocabulary = vocabulary;
        _slots = new JsonParserState[vocabulary.MaxTokenLength + 1];
        _allowed = new uint[(vocabulary.Size + 31) / 32];
        _state = JsonParserState.Start(grammar);
    }

    /// <inheritdoc />
    public bool IsComplete => _ended || _state.IsComplete;

    /// <summary>The fewest bytes (so at most that many tokens) that complete the value from here.</summary>
    public int MinCompletion => _state.MinCompletion(_grammar);

    /// <inheritdoc />
    public void MaskLogits(Span<float> logits, int tokensLeft)
    {
        if (Apply(ComputeAllowed(tokensLeft), logits) == 0)
            throw new InvalidOperationException(
                $"No token can continue the JSON: completing it needs at least {MinCompletion} more tokens but only {tokensLeft} are left. " +
                $"Raise the token limit (the grammar's shortest output is {_grammar.MinimumLength} bytes).");
    }

    /// <summary>Sets the logits of the tokens whose bit is clear (and of ids past the bits) to −∞; returns how many are allowed.</summary>
    internal static int Apply(ReadOnlySpan<uint> allowed, Span<float> logits)
    {
        var count = 0;
        for (var w = 0; w * 32 < logits.Length; w++)
        {
            var bits = w < allowed.Length ? allowed[w] : 0u;
            var start = w * 32;
            var length = Math.Min(32, logits.Length - start);
            if (bits == uint.MaxValue && length == 32)
            {
                count += 32;
                continue;
            }

            count += BitOperations.PopCount(bits);
            if (bits == 0)
            {
                logits.Slice(start, length).Fill(float.NegativeInfinity);
                continue;
            }

            for (var i = 0; i < length; i++)
                if ((bits & (1u << i)) == 0) logits[start + i] = float.NegativeInfinity;
        }

        return count;
    }

    /// <summary>One bit per token id: whether it may come next with <paramref name="tokensLeft"/> tokens left (this one included).</summary>
    internal Span<uint> ComputeAllowed(int tokensLeft)
    {
        var allowed = _allowed.AsSpan();
        allowed.Clear();
        if (IsComplete) return allowed;
        var budget = tokensLeft - 1;
        _slots[0].CopyFrom(in _state);
        if (_state.IsInStringBody(_grammar))
        {
            // Plain string text leaves the state as it is, so its tokens need only the room for the current completion.
            if (_state.MinCompletion(_grammar) <= budget) _vocabulary.StringSafe.CopyTo(allowed);
            Walk(_vocabulary.StringOther, 0, 0, budget);
        }
        else
        {
            Walk(_vocabulary.All, 0, 0, budget);
        }

        if (_state.CanEnd(_grammar))
            foreach (var id in _vocabulary.EndIds) allowed[id >> 5] |= 1u << (id & 31);
        return allowed;
    }

    /// <inheritdoc />
    public void Accept(int tokenId)
    {
        if ((uint)tokenId >= (uint)_vocabulary.Size)
            throw new InvalidOperationException($"Token {tokenId} is outside the vocabulary (0..{_vocabulary.Size - 1}).");
        if (IsComplete) throw new InvalidOperationException($"The JSON value is complete; token {tokenId} cannot follow it.");
        if (Array.IndexOf(_vocabulary.EndIds, tokenId) >= 0)
        {
            if (!_state.CanEnd(_grammar)) throw NotAllowed(tokenId);
            _ended = true;
            return;
        }

        var bytes = _vocabulary.TokenBytes[tokenId];
        if (bytes.Length == 0) throw NotAllowed(tokenId);
        foreach (var b in bytes)
            if (!_state.Step(_grammar, b)) throw NotAllowed(tokenId);
    }

    /// <summary>Steps the grammar down the trie below <paramref name="node"/>, whose state is <c>_slots[depth]</c>, marking the tokens it accepts.</summary>
    private void Walk(TokenByteTrie trie, int node, int depth, int budget)
    {
        var first = trie.FirstChild[node];
        var end = first + trie.ChildCount[node];
        var edges = trie.Edge;
        for (var child = first; child < end; child++)
        {
            ref var next = ref _slots[depth + 1];
            next.CopyFrom(in _slots[depth]);
            if (!next.Step(_grammar, edges[child])) continue;
            var count = trie.TokenCount[child];
            if (count > 0 && next.MinCompletion(_grammar) <= budget)
            {
                var ids = trie.TokenIds.AsSpan(trie.TokenStart[child], count);
                foreach (var id in ids) _allowed[id >> 5] |= 1u << (id & 31);
            }

            if (trie.ChildCount[child] > 0) Walk(trie, child, depth + 1, budget);
        }
    }

    private static InvalidOperationException NotAllowed(int tokenId) =>
        new($"Token {tokenId} does not continue the JSON here; sample from logits masked by MaskLogits.");
}
