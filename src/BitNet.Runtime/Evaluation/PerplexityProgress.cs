namespace BitNet.Runtime.Evaluation;

/// <summary>Progress of a running perplexity evaluation, reported after each document.</summary>
/// <param name="DocumentsDone">Documents scored so far.</param>
/// <param name="DocumentCount">Documents in the evaluation.</param>
/// <param name="Tokens">Tokens scored so far.</param>
/// <param name="TotalNll">The negative log-likelihood summed so far, in nats.</param>
public readonly record struct PerplexityProgress(int DocumentsDone, int DocumentCount, long Tokens, double TotalNll)
{
    /// <summary>Perplexity per token over the documents scored so far.</summary>
    public double Perplexity => Tokens == 0 ? double.NaN : Math.Exp(TotalNll / Tokens);
}
