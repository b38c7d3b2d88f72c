namespace BitNet.Runtime.Evaluation;

/// <summary>What <see cref="SamplingEvaluator"/> measured for one setting.</summary>
/// <param name="Texts">Continuations generated (one per prompt).</param>
/// <param name="Tokens">Tokens scored, end-of-generation tokens included.</param>
/// <param name="MeanLogLikelihood">
/// Mean per-token log-likelihood (nats) of the continuations under the unmodified model at temperature 1; higher is
/// more typical of the model. exp(−value) is the continuations' perplexity.
/// </param>
/// <param name="RepetitionRate3">The fraction of word 3-grams that repeat one earlier in the same continuation (<see cref="NGramStatistics.RepetitionRate"/>).</param>
/// <param name="Distinct2">Distinct word 2-grams over all continuations / all 2-grams.</param>
/// <param name="Distinct3">Distinct word 3-grams over all continuations / all 3-grams.</param>
/// <param name="EndedFraction">The fraction of continuations that ended with an end-of-generation token before the limit.</param>
public sealed record SamplingEvaluation(int Texts, long Tokens, double MeanLogLikelihood, double RepetitionRate3, double Distinct2,
                                        double Distinct3, double EndedFraction)
{
    /// <summary>The continuations' perplexity under the unmodified model: exp(−<see cref="MeanLogLikelihood"/>).</summary>
    public double Perplexity => Math.Exp(-MeanLogLikelihood);
}
