namespace BitNet.Runtime.Evaluation;

/// <summary>The outcome of a perplexity evaluation (see <see cref="PerplexityEvaluator"/>).</summary>
/// <param name="Documents">Documents scored.</param>
/// <param name="Tokens">Tokens scored: every token after each document's beginning-of-sequence token, its end-of-sequence token included.</param>
/// <param name="Bytes">UTF-8 bytes of the documents' text (without the separators between them).</param>
/// <param name="TotalNll">The summed negative log-likelihood of the scored tokens, in nats.</param>
/// <param name="WindowLength">Positions per evaluation window.</param>
/// <param name="KeptContext">Tokens of context a window keeps from the previous one when a document is longer than a window.</param>
/// <param name="EvaluatedPositions">Forward passes run, context re-evaluations included.</param>
/// <param name="Elapsed">Wall-clock time of the evaluation, tokenization included.</param>
public sealed record PerplexityResult(
    int Documents,
    long Tokens,
    long Bytes,
    double TotalNll,
    int WindowLength,
    int KeptContext,
    long EvaluatedPositions,
    TimeSpan Elapsed)
{
    /// <summary>The mean negative log-likelihood per scored token, in nats (the cross-entropy loss).</summary>
    public double NllPerToken => Tokens == 0 ? double.NaN : TotalNll / Tokens;

    /// <summary>Perplexity per token: e^(<see cref="NllPerToken"/>).</summary>
    public double Perplexity => Math.Exp(NllPerToken);

    /// <summary>Bits per UTF-8 byte of text: total NLL / (ln 2 × bytes). Comparable across tokenizers.</summary>
    public double BitsPerByte => Bytes == 0 ? double.NaN : TotalNll / (Math.Log(2) * Bytes);

    /// <summary>Forward passes per second of wall-clock time.</summary>
    public double PositionsPerSecond => Elapsed > TimeSpan.Zero ? EvaluatedPositions / Elapsed.TotalSeconds : double.NaN;
}
