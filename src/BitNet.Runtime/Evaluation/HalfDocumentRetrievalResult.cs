namespace BitNet.Runtime.Evaluation;

/// <summary>The outcome of a <see cref="HalfDocumentRetrieval"/> evaluation.</summary>
/// <param name="Documents">Documents scored (each split into two halves of at least one token).</param>
/// <param name="AccuracyAt1">The fraction of first halves whose most similar second half (cosine) is their own.</param>
/// <param name="MeanReciprocalRank">The mean of 1 / (rank of a first half's own second half among all second halves).</param>
/// <param name="MeanMatchingCosine">The mean cosine similarity of a document's two halves.</param>
/// <param name="MeanOtherCosine">The mean cosine similarity of halves of different documents.</param>
/// <param name="BaselineAccuracyAt1">
/// <see cref="AccuracyAt1"/> of the bag-of-tokens baseline: the normalized mean of the halves' input token embeddings,
/// no layer evaluated. The difference to <see cref="AccuracyAt1"/> is what the model's layers add.
/// </param>
/// <param name="BaselineMeanReciprocalRank"><see cref="MeanReciprocalRank"/> of the baseline.</param>
/// <param name="Tokens">Tokens evaluated by the model, each half's beginning-of-sequence token included.</param>
/// <param name="EmbeddingTime">Wall-clock time spent computing the model's embeddings (tokenization and scoring excluded).</param>
public sealed record HalfDocumentRetrievalResult(
    int Documents,
    double AccuracyAt1,
    double MeanReciprocalRank,
    double MeanMatchingCosine,
    double MeanOtherCosine,
    double BaselineAccuracyAt1,
    double BaselineMeanReciprocalRank,
    long Tokens,
    TimeSpan EmbeddingTime)
{
    /// <summary>The accuracy of guessing: 1 / <see cref="Documents"/>.</summary>
    public double ChanceAccuracy => Documents == 0 ? double.NaN : 1.0 / Documents;

    /// <summary>Embeddings computed per second (two per document).</summary>
    public double EmbeddingsPerSecond => EmbeddingTime > TimeSpan.Zero ? 2.0 * Documents / EmbeddingTime.TotalSeconds : double.NaN;

    /// <summary>Tokens evaluated per second while embedding.</summary>
    public double TokensPerSecond => EmbeddingTime > TimeSpan.Zero ? Tokens / EmbeddingTime.TotalSeconds : double.NaN;
}
