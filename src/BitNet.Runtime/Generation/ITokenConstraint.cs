namespace BitNet.Runtime.Generation;

/// <summary>
/// Restricts which tokens a generation may choose, one token at a time (for example to JSON that matches a schema:
/// <see cref="Constraints.JsonGrammar"/>). <see cref="TextGeneration"/> calls <see cref="MaskLogits"/> on a copy of the
/// logits before every sample, so that any sampler setting, greedy included, only ever picks an allowed token, then
/// <see cref="Accept"/> with the chosen token. One instance serves one generation; it is not thread-safe.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>Sets the logit of every token that may not come next to negative infinity.</summary>
    /// <param name="logits">One logit per vocabulary entry (a copy the caller owns).</param>
    /// <param name="tokensLeft">
    /// How many tokens may still be generated, this one included, so that the constraint can keep enough of them to
    /// complete its output (a constraint that always completes within the limit ends with valid output).
    /// </param>
    /// <exception cref="InvalidOperationException">No token is allowed, e.g. <paramref name="tokensLeft"/> is too small to complete the output.</exception>
    void MaskLogits(Span<float> logits, int tokensLeft);

    /// <summary>Advances past the token that was chosen.</summary>
    /// <exception cref="InvalidOperationException">The token is not one that <see cref="MaskLogits"/> allowed.</exception>
    void Accept(int tokenId);

    /// <summary>True when the output is complete and nothing may follow it: the generation ends (as at end of sequence).</summary>
    bool IsComplete { get; }
}
