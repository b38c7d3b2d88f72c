using System.Numerics.Tensors;
using BitNet.Runtime.KvCache;

namespace BitNet.Runtime.Evaluation;

/// <summary>
/// How far a KV cache type moves the model's predictions from a reference type: both run the same documents by the
/// perplexity protocol (<see cref="PerplexityEvaluator"/>: BOS + text + EOS, the same sliding windows) and at every
/// scored position the next-token distributions are compared — KL(reference ‖ candidate) in double precision, and
/// whether the most likely token agrees.
/// </summary>
public sealed class KvCacheComparison
{
    private readonly BitNetModel _model;
    private readonly PerplexityEvaluator _windows;

    /// <summary>Creates a comparison on <paramref name="model"/> (one model; each type gets its own sessions).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A type is undefined, or a window setting is out of range (see <see cref="PerplexityEvaluator"/>).</exception>
    public KvCacheComparison(BitNetModel model, KvCacheType reference, KvCacheType candidate, int? windowLength = null, int? keptContext = null,
                             int maxDegreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        KvCacheLayout.Check(reference, model.Config.HeadDimension);
        KvCacheLayout.Check(candidate, model.Config.HeadDimension);
        _model = model;
        _windows = new PerplexityEvaluator(model, windowLength, keptContext, maxDegreeOfParallelism);
        Reference = reference;
        Candidate = candidate;
    }

    /// <summary>The type predictions are measured against.</summary>
    public KvCacheType Reference { get; }

    /// <summary>The type being measured.</summary>
    public KvCacheType Candidate { get; }

    /// <summary>Runs both types over <paramref name="documents"/>; totals are summed in document order.</summary>
    /// <exception cref="ArgumentException">There are no documents, or one is empty.</exception>
    public KvCacheComparisonResult Compare(IReadOnlyList<string> documents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count == 0) throw new ArgumentException("There are no documents to compare on.", nameof(documents));
        var perDocument = new DocumentTotals[documents.Count];
        Parallel.For(0, documents.Count, new ParallelOptions { MaxDegreeOfParallelism = _windows.MaxDegreeOfParallelism, CancellationToken = cancellationToken },
            () => (Reference: _model.CreateSession(Reference), Candidate: _model.CreateSession(Candidate)),
            (d, _, sessions) =>
            {
                if (string.IsNullOrEmpty(documents[d])) throw new ArgumentException($"Document {d} is empty.", nameof(documents));
                perDocument[d] = CompareDocument(sessions.Reference, sessions.Candidate, Tokenize(documents[d]), cancellationToken);
                return sessions;
            },
            sessions =>
            {
                sessions.Reference.Dispose();
                sessions.Candidate.Dispose();
            });

        var total = new DocumentTotals();
        foreach (var d in perDocument) total = total.Add(d);
        return new KvCacheComparisonResult(Reference, Candidate, total.Positions, total.KullbackLeibler / total.Positions,
                                           (double)total.Agreements / total.Positions, Math.Exp(total.ReferenceNll / total.Positions),
                                           Math.Exp(total.CandidateNll / total.Positions));
    }

    private int[] Tokenize(string text)
    {
        var tokenizer = _model.Tokenizer;
        return [tokenizer.BosId, .. tokenizer.Encode(text, addBos: false), tokenizer.EosId];
    }

    /// <summary>The perplexity protocol's windows over one document, both sessions in step.</summary>
    private DocumentTotals CompareDocument(Model.InferenceSession reference, Model.InferenceSession candidate, int[] ids, CancellationToken cancellationToken)
    {
        var totals = new DocumentTotals();
        var referenceProbabilities = new double[_model.Config.VocabularySize];
        int nextToScore = 1, start = 0;
        while (true)
        {
            var end = Math.Min(start + _windows.WindowLength, ids.Length);
            reference.Rewind(0);
            candidate.Rewind(0);
            for (var i = start; i < end - 1; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var scored = i + 1 >= nextToScore;
                var p = reference.Evaluate(ids[i], computeLogits: scored);
                var q = candidate.Evaluate(ids[i], computeLogits: scored);
                if (!scored) continue;
                totals.Positions++;
                totals.ReferenceNll += PerplexityEvaluator.NegativeLogLikelihood(p, ids[i + 1]);
                totals.CandidateNll += PerplexityEvaluator.NegativeLogLikelihood(q, ids[i + 1]);
                totals.KullbackLeibler += KullbackLeibler(p, q, referenceProbabilities);
                if (TensorPrimitives.IndexOfMax(p) == TensorPrimitives.IndexOfMax(q)) totals.Agreements++;
            }
            if (end == ids.Length) return totals;
            nextToScore = end;
            start = end - _windows.KeptContext;
        }
    }

    /// <summary>KL(softmax(p) ‖ softmax(q)) = Σ P · (log P − log Q), with both log-softmaxes in double.</summary>
    public static double KullbackLeibler(ReadOnlySpan<float> p, ReadOnlySpan<float> q, Span<double> scratch)
    {
        if (p.Length != q.Length) throw new ArgumentException("The two distributions have different lengths.");
        double maxP = TensorPrimitives.Max(p), maxQ = TensorPrimitives.Max(q), sumP = 0, sumQ = 0;
        for (var i = 0; i < p.Length; i++)
        {
            sumP += scratch[i] = Math.Exp(p[i] - maxP);
            sumQ += Math.Exp(q[i] - maxQ);
        }
        double logZp = Math.Log(sumP) + maxP, logZq = Math.Log(sumQ) + maxQ, kl = 0;
        for (var i = 0; i < p.Length; i++)
            kl += scratch[i] / sumP * ((p[i] - logZp) - (q[i] - logZq));
        return Math.Max(kl, 0);
    }

    private struct DocumentTotals
    {
        public long Positions;
        public long Agreements;
        public double KullbackLeibler;
        public double ReferenceNll;
        public double CandidateNll;

        public readonly DocumentTotals Add(DocumentTotals other) => new()
        {
            Positions = Positions + other.Positions,
            Agreements = Agreements + other.Agreements,
            KullbackLeibler = KullbackLeibler + other.KullbackLeibler,
            ReferenceNll = ReferenceNll + other.ReferenceNll,
            CandidateNll = CandidateNll + other.CandidateNll,
        };
    }
}

/// <summary>The outcome of a <see cref="KvCacheComparison"/>.</summary>
/// <param name="Reference">The type measured against.</param>
/// <param name="Candidate">The type measured.</param>
/// <param name="Positions">Scored positions.</param>
/// <param name="MeanKullbackLeibler">Mean KL(reference ‖ candidate) of the next-token distributions, in nats.</param>
/// <param name="TopTokenAgreement">The fraction of positions whose most likely next token is the same.</param>
/// <param name="ReferencePerplexity">Perplexity per token with the reference type.</param>
/// <param name="CandidatePerplexity">Perplexity per token with the candidate type.</param>
public sealed record KvCacheComparisonResult(KvCacheType Reference, KvCacheType Candidate, long Positions, double MeanKullbackLeibler,
                                             double TopTokenAgreement, double ReferencePerplexity, double CandidatePerplexity);
