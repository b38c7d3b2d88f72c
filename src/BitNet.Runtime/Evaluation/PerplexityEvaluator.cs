using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.ExceptionServices;
using System.Text;
using BitNet.Runtime.Model;

namespace BitNet.Runtime.Evaluation;

/// <summary>
/// Measures how well a model predicts a set of documents, by the protocol of the TinyStories BitNet model card:
/// each document is scored on its own as <c>&lt;s&gt;</c> + text + <c>&lt;/s&gt;</c>, every token after
/// <c>&lt;s&gt;</c> is predicted (<c>&lt;/s&gt;</c> included), and a document longer than a window is scored with a
/// sliding window that keeps <see cref="KeptContext"/> tokens of context. The negative log-likelihood is computed with
/// a log-softmax in double precision.
/// </summary>
/// <remarks>
/// <para>Windows: the first covers tokens [0, W); each next one starts <see cref="KeptContext"/> tokens before the end of
/// the previous one, so a token is scored exactly once, from at least <see cref="KeptContext"/> tokens of context
/// (all of its document's preceding tokens while the document fits in one window).</para>
/// <para>The evaluation allocates nothing per token: each worker reuses one session and one id buffer for all its
/// documents. An evaluator holds no per-evaluation state, so one instance may run several evaluations at once.</para>
/// </remarks>
public sealed class PerplexityEvaluator
{
    /// <summary>The line that separates documents in a file read by <see cref="ReadDocuments"/>.</summary>
    public const string DocumentSeparator = "<|endoftext|>";

    private readonly BitNetModel _model;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="model">The model to score with.</param>
    /// <param name="windowLength">Positions per window; null means the model's context length.</param>
    /// <param name="keptContext">Tokens of context a window keeps from the previous one; null means half the window.</param>
    /// <param name="maxDegreeOfParallelism">
    /// Documents scored at the same time, each on its own session and thread. The totals do not depend on it: they are
    /// summed in document order.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The window is shorter than 2 or longer than the model's context, the kept context is not in [1, window − 1], or
    /// the degree of parallelism is below 1.
    /// </exception>
    public PerplexityEvaluator(BitNetModel model, int? windowLength = null, int? keptContext = null, int maxDegreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        var window = windowLength ?? model.ContextLength;
        if (window < 2 || window > model.ContextLength)
            throw new ArgumentOutOfRangeException(nameof(windowLength), window,
                $"The window must hold 2 to {model.ContextLength} positions (the model's context length).");
        var keep = keptContext ?? window / 2;
        if (keep < 1 || keep >= window)
            throw new ArgumentOutOfRangeException(nameof(keptContext), keep,
                $"The kept context must be 1 to {window - 1} tokens (less than the window of {window}), so that every token is predicted from some context.");
        if (maxDegreeOfParallelism < 1)
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "The degree of parallelism must be at least 1.");
        _model = model;
        WindowLength = window;
        KeptContext = keep;
        MaxDegreeOfParallelism = maxDegreeOfParallelism;
    }

    /// <summary>Positions per evaluation window.</summary>
    public int WindowLength { get; }

    /// <summary>Tokens of context a window keeps from the previous one when a document spans several windows.</summary>
    public int KeptContext { get; }

    /// <summary>Documents scored at the same time.</summary>
    public int MaxDegreeOfParallelism { get; }

    /// <summary>Scores <paramref name="documents"/> and returns the totals.</summary>
    /// <param name="documents">The documents' texts (without beginning- or end-of-sequence markers).</param>
    /// <param name="progress">
    /// Called after each document with the running totals; never concurrently, but from a worker thread when
    /// <see cref="MaxDegreeOfParallelism"/> is above 1 (documents then complete out of order).
    /// </param>
    /// <param name="cancellationToken">Checked between forward passes.</param>
    /// <exception cref="ArgumentException">There are no documents, or one is null or empty.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public PerplexityResult Evaluate(IReadOnlyList<string> documents, Action<PerplexityProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count == 0) throw new ArgumentException("There are no documents to evaluate.", nameof(documents));
        for (var d = 0; d < documents.Count; d++)
            if (string.IsNullOrEmpty(documents[d])) throw new ArgumentException($"Document {d} is empty.", nameof(documents));

        var clock = Stopwatch.StartNew();
        var nll = new double[documents.Count];
        var tokens = new int[documents.Count];
        var positions = new long[documents.Count];
        var reporter = new ProgressReporter(documents.Count, progress);
        var next = -1;

        // Each worker owns a session and an id buffer and takes the next unscored document until none is left.
        void Work(CancellationToken token)
        {
            using var session = _model.CreateSession();
            var ids = new int[WindowLength + 2];
            int d;
            while ((d = Interlocked.Increment(ref next)) < documents.Count)
            {
                token.ThrowIfCancellationRequested();
                var n = Tokenize(documents[d], ref ids);
                nll[d] = ScoreTokens(session, ids.AsSpan(0, n), ref positions[d], token);
                tokens[d] = n - 1;
                reporter.Completed(tokens[d], nll[d]);
            }
        }

        var workers = Math.Min(MaxDegreeOfParallelism, documents.Count);
        if (workers == 1) Work(cancellationToken);
        else RunWorkers(workers, Work, cancellationToken);

        // Summed in document order, so the totals do not depend on the parallelism.
        double totalNll = 0;
        long totalTokens = 0, bytes = 0, totalPositions = 0;
        for (var d = 0; d < documents.Count; d++)
        {
            totalNll += nll[d];
            totalTokens += tokens[d];
            totalPositions += positions[d];
            bytes += Encoding.UTF8.GetByteCount(documents[d]);
        }
        return new PerplexityResult(documents.Count, totalTokens, bytes, totalNll, WindowLength, KeptContext, totalPositions, clock.Elapsed);
    }

    /// <summary>Splits text into documents at lines that hold only <see cref="DocumentSeparator"/>.</summary>
    /// <remarks>
    /// A document is the text between two separator lines, without the line break that ends it (a final line break
    /// of the text is dropped too). Empty documents (for example after a trailing separator) are skipped. Text without a
    /// separator is one document.
    /// </remarks>
    public static IReadOnlyList<string> SplitDocuments(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var documents = new List<string>();
        var chunkStart = 0;
        var lineStart = 0;
        while (true)
        {
            var newline = text.IndexOf('\n', lineStart);
            var lineEnd = newline < 0 ? text.Length : newline;
            if (text.AsSpan(lineStart, lineEnd - lineStart).Trim().SequenceEqual(DocumentSeparator))
            {
                AddDocument(documents, text, chunkStart, lineStart);
                chunkStart = newline < 0 ? text.Length : newline + 1;
            }
            if (newline < 0) break;
            lineStart = newline + 1;
        }
        AddDocument(documents, text, chunkStart, text.Length);
        return documents;
    }

    /// <summary>Reads a UTF-8 text file and splits it with <see cref="SplitDocuments"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IReadOnlyList<string> ReadDocuments(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return SplitDocuments(File.ReadAllText(path, Encoding.UTF8));
    }

    /// <summary>The negative log-likelihood of <paramref name="target"/> under <paramref name="logits"/>: a log-softmax in double.</summary>
    public static double NegativeLogLikelihood(ReadOnlySpan<float> logits, int target)
    {
        if ((uint)target >= (uint)logits.Length) throw new ArgumentOutOfRangeException(nameof(target));
        double max = TensorPrimitives.Max(logits);
        double sum = 0;
        for (var i = 0; i < logits.Length; i++) sum += Math.Exp(logits[i] - max);
        return Math.Log(sum) + max - logits[target];
    }

    /// <summary>The summed NLL of <c>ids[1..]</c> given the tokens before each, window by window (allocation-free).</summary>
    internal double ScoreTokens(InferenceSession session, ReadOnlySpan<int> ids, ref long positions, CancellationToken cancellationToken)
    {
        double nll = 0;
        var nextToScore = 1; // the token after <s> is the first one predicted
        var start = 0;
        while (true)
        {
            var end = Math.Min(start + WindowLength, ids.Length);
            session.Rewind(0);
            // Position i predicts token i + 1; the window's last token predicts nothing inside the window, so it is not run.
            for (var i = start; i < end - 1; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var scored = i + 1 >= nextToScore;
                var logits = session.Evaluate(ids[i], computeLogits: scored);
                positions++;
                if (scored) nll += NegativeLogLikelihood(logits, ids[i + 1]);
            }
            if (end == ids.Length) return nll;
            nextToScore = end;
            start = end - KeptContext;
        }
    }

    /// <summary>Writes &lt;s&gt; + the text's ids + &lt;/s&gt; into <paramref name="ids"/> (grown when needed); returns the count.</summary>
    private int Tokenize(string text, ref int[] ids)
    {
        var tokenizer = _model.Tokenizer;
        var body = tokenizer.Encode(text, addBos: false);
        var n = body.Length + 2;
        if (ids.Length < n) ids = new int[Math.Max(n, ids.Length * 2)];
        ids[0] = tokenizer.BosId;
        body.CopyTo(ids, 1);
        ids[n - 1] = tokenizer.EosId;
        return n;
    }

    /// <summary>Runs <paramref name="work"/> on <paramref name="workers"/> threads (this one included); the first failure cancels the others.</summary>
    private static void RunWorkers(int workers, Action<CancellationToken> work, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = failed.Token;
        void Guarded()
        {
            try
            {
                work(token);
            }
            catch
            {
                failed.Cancel();
                throw;
            }
        }

        var others = new Task[workers - 1];
        for (var w = 0; w < others.Length; w++)
            others[w] = Task.Factory.StartNew(Guarded, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Exception? own = null;
        try
        {
            Guarded();
        }
        catch (Exception e)
        {
            own = e;
        }
        try
        {
            Task.WaitAll(others);
        }
        catch (AggregateException)
        {
            // Reported below, preferring a real failure over the cancellations it caused.
        }

        var errors = others.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).Prepend(own).OfType<Exception>().ToList();
        var real = errors.FirstOrDefault(e => e is not OperationCanceledException);
        if (real is not null) ExceptionDispatchInfo.Throw(real);
        cancellationToken.ThrowIfCancellationRequested();
        if (errors.Count > 0) ExceptionDispatchInfo.Throw(errors[0]);
    }

    /// <summary>Keeps running totals and calls the progress callback under a lock.</summary>
    private sealed class ProgressReporter(int documentCount, Action<PerplexityProgress>? progress)
    {
        private readonly Lock _lock = new();
        private int _done;
        private long _tokens;
        private double _nll;

        public void Completed(int tokens, double nll)
        {
            if (progress is null) return;
            lock (_lock)
            {
                _done++;
                _tokens += tokens;
                _nll += nll;
                progress(new PerplexityProgress(_done, documentCount, _tokens, _nll));
            }
        }
    }

    private static void AddDocument(List<string> documents, string text, int start, int end)
    {
        if (end > start && text[end - 1] == '\n')
        {
            end--;
            if (end > start && text[end - 1] == '\r') end--;
        }
        if (end > start) documents.Add(text.Substring(start, end - start));
    }
}
