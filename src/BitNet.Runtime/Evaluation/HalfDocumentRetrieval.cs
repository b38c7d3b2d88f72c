using System.Diagnostics;
using System.Numerics.Tensors;
using BitNet.Runtime.Embeddings;

namespace BitNet.Runtime.Evaluation;

/// <summary>
/// A small, honest measure of what <see cref="TextEmbedder"/>'s vectors are worth for retrieval: every document is cut
/// into two halves at its middle token; each first half must find its own second half, by cosine similarity, among the
/// second halves of all documents. The same is scored for a bag-of-tokens baseline (the normalized mean of the halves'
/// input token embeddings, no layer evaluated), so that the result shows what the forward pass adds.
/// </summary>
/// <remarks>
/// Each half is embedded as the beginning-of-sequence token followed by its tokens (cut in the middle of a word when the
/// middle token falls there). A half longer than the context keeps its first context − 1 tokens; documents with fewer
/// than two text tokens are skipped.
/// </remarks>
public sealed class HalfDocumentRetrieval
{
    private readonly TextEmbedder _embedder;

    /// <summary>Creates the evaluation for <paramref name="embedder"/>'s model.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="embedder"/> is null.</exception>
    public HalfDocumentRetrieval(TextEmbedder embedder)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        _embedder = embedder;
    }

    /// <summary>Scores <paramref name="documents"/> (see the class remarks).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="documents"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than two documents have two or more tokens: there is nothing to retrieve among.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public HalfDocumentRetrievalResult Evaluate(IReadOnlyList<string> documents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var model = _embedder.Model;
        var bos = model.Tokenizer.BosId;
        var maxHalf = model.ContextLength - 1;
        var halves = new List<(int[] First, int[] Second)>();
        foreach (var document in documents)
        {
            var text = model.Tokenizer.Encode(document, addBos: false);
            if (text.Length < 2) continue;
            var middle = text.Length / 2;
            halves.Add((WithBos(bos, text.AsSpan(0, Math.Min(middle, maxHalf))), WithBos(bos, text.AsSpan(middle, Math.Min(text.Length - middle, maxHalf)))));
        }
        if (halves.Count < 2)
            throw new ArgumentException($"Retrieval needs at least two documents of two or more tokens; {halves.Count} of the {documents.Count} given qualify.", nameof(documents));

        var d = _embedder.Dimensions;
        var n = halves.Count;
        var first = new float[n * d];
        var second = new float[n * d];
        long tokens = 0;
        var clock = Stopwatch.StartNew();
        using (var session = model.CreateSession())
        {
            for (var i = 0; i < n; i++)
            {
                _embedder.Embed(session, halves[i].First, first.AsSpan(i * d, d), cancellationToken);
                _embedder.Embed(session, halves[i].Second, second.AsSpan(i * d, d), cancellationToken);
                tokens += halves[i].First.Length + halves[i].Second.Length;
            }
        }
        var elapsed = clock.Elapsed;
        var (accuracy, reciprocalRank, matching, other) = Score(first, second, n, d);

        var baselineFirst = new float[n * d];
        var baselineSecond = new float[n * d];
        for (var i = 0; i < n; i++)
        {
            BagOfTokens(model, halves[i].First, baselineFirst.AsSpan(i * d, d));
            BagOfTokens(model, halves[i].Second, baselineSecond.AsSpan(i * d, d));
        }
        var (baselineAccuracy, baselineReciprocalRank, _, _) = Score(baselineFirst, baselineSecond, n, d);

        return new HalfDocumentRetrievalResult(n, accuracy, reciprocalRank, matching, other, baselineAccuracy, baselineReciprocalRank, tokens, elapsed);
    }

    private static int[] WithBos(int bos, ReadOnlySpan<int> text) => bos >= 0 ? [bos, .. text] : text.ToArray();

    /// <summary>Accuracy@1, mean reciprocal rank, and the mean cosines of matching and of different halves (unit vectors: cosine = dot).</summary>
    private static (double Accuracy, double ReciprocalRank, double Matching, double Other) Score(float[] first, float[] second, int n, int d)
    {
        int hits = 0;
        double reciprocalRanks = 0, matching = 0, other = 0;
        for (var i = 0; i < n; i++)
        {
            var query = first.AsSpan(i * d, d);
            var own = TensorPrimitives.Dot(query, second.AsSpan(i * d, d));
            var rank = 1;
            for (var j = 0; j < n; j++)
            {
                if (j == i) continue;
                var similarity = TensorPrimitives.Dot(query, second.AsSpan(j * d, d));
                other += similarity;
                if (similarity >= own) rank++; // ties count against the match
            }
            matching += own;
            if (rank == 1) hits++;
            reciprocalRanks += 1.0 / rank;
        }
        return ((double)hits / n, reciprocalRanks / n, matching / n, other / ((double)n * (n - 1)));
    }

    /// <summary>The normalized mean of the input embeddings of <paramref name="tokens"/> after the leading BOS (the BOS row alone for an empty half).</summary>
    private static void BagOfTokens(BitNetModel model, ReadOnlySpan<int> tokens, Span<float> destination)
    {
        var row = new float[destination.Length];
        destination.Clear();
        var pooled = tokens.Length > 1 && tokens[0] == model.Tokenizer.BosId ? tokens[1..] : tokens;
        foreach (var token in pooled)
        {
            model.Weights.TokenEmbedding.CopyRow(token, row);
            TensorPrimitives.Add(destination, row, destination);
        }
        var norm = TensorPrimitives.Norm(destination);
        if (norm > 0) TensorPrimitives.Divide(destination, norm, destination);
    }
}
