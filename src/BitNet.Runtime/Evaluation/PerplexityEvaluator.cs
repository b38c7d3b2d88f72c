using System.Diagnostics;
using System.Numerics.Tensors;
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
/// <para>The evaluation allocates nothing per token: one session and one id buffer are reused for all documents.
/// Not thread-safe; the model may be shared with other evaluators and sessions.</para>
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
    /// <exception cref="ArgumentOutOfRangeException">
    /// The window is shorter than 2 or longer than the model's context, or the kept context is not in [1, window − 1].
    /// </exception>
    public PerplexityEvaluator(BitNetModel model, int? windowLength = null, int? keptContext = null)
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
        _model = model;
        WindowLength = window;
        KeptContext = keep;
    }

    /// <summary>Positions per evaluation window.</summary>
    public int WindowLength { get; }

    /// <summary>Tokens of context a window keeps from the previous one when a document spans several windows.</summary>
    public int KeptContext { get; }

    /// <summary>Scores <paramref name="documents"/> and returns the totals.</summary>
    /// <param name="documents">The documents' texts (without beginning- or end-of-sequence markers).</param>
    /// <param name="progress">Called on the evaluating thread after each document.</param>
    /// <param name="cancellationToken">Checked between forward passes.</param>
    /// <exception cref="ArgumentException">There are no documents, or one is null or empty.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public PerplexityResult Evaluate(IReadOnlyList<string> documents, Action<PerplexityProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count == 0) throw new ArgumentException("There are no documents to evaluate.", nameof(documents));

        var clock = Stopwatch.StartNew();
        var tokenizer = _model.Tokenizer;
        var session = _model.CreateSession();
        var ids = new int[WindowLength + 2];
        long tokens = 0, bytes = 0, positions = 0;
        double totalNll = 0;

        for (var d = 0; d < documents.Count; d++)
        {
            var text = documents[d];
            if (string.IsNullOrEmpty(text)) throw new ArgumentException($"Document {d} is empty.", nameof(documents));
            cancellationToken.ThrowIfCancellationRequested();

            // <s> + text + </s>
            var body = tokenizer.Encode(text, addBos: false);
            var n = body.Length + 2;
            if (ids.Length < n) ids = new int[Math.Max(n, ids.Length * 2)];
            ids[0] = tokenizer.BosId;
            body.CopyTo(ids, 1);
            ids[n - 1] = tokenizer.EosId;

            totalNll += ScoreTokens(session, ids.AsSpan(0, n), ref positions, cancellationToken);
            tokens += n - 1;
            bytes += Encoding.UTF8.GetByteCount(text);
            progress?.Invoke(new PerplexityProgress(d + 1, documents.Count, tokens, totalNll));
        }

        return new PerplexityResult(documents.Count, tokens, bytes, totalNll, WindowLength, KeptContext, positions, clock.Elapsed);
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
