using System.Buffers;
using System.Diagnostics;
using BitNet.Runtime.Model;
using BitNet.Runtime.Sampling;
using BitNet.Runtime.Tokenization;

namespace BitNet.Runtime.Generation;

/// <summary>
/// One generation request: prefill the prompt, then sample, detokenize and check stop conditions token by token.
/// Enumerate <see cref="Run"/> once; afterwards the properties tell how it ended and how long it took.
/// </summary>
/// <remarks>Not thread-safe; the session it runs on must not be used by anyone else meanwhile.</remarks>
public sealed class TextGeneration
{
    private readonly BitNetModel _model;
    private readonly InferenceSession _session;
    private readonly bool _ownsSession;
    private readonly int[] _prompt;
    private readonly GenerationOptions _options;
    private readonly List<int> _generated = [];
    private readonly int _sinkTokens;
    private readonly bool _reuseCachedPrefix;
    private readonly int[] _pending = new int[1];
    private bool _started;

    /// <summary>
    /// Prepares generation of a continuation of <paramref name="promptIds"/> on <paramref name="session"/>, or on a fresh
    /// session of <paramref name="model"/> when it is null.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="promptIds">The prompt's token ids (with the beginning-of-sequence token when wanted).</param>
    /// <param name="options">What to generate; null: the defaults.</param>
    /// <param name="session">
    /// The session to run on (not disposed here); null: a new one, disposed when the run ends. Without
    /// <paramref name="reuseCachedPrefix"/> the prompt is appended after the tokens the session holds.
    /// </param>
    /// <param name="reuseCachedPrefix">
    /// The prompt is the whole sequence and the session's tokens are a cache: the longest prefix of the prompt that the
    /// session already holds is kept (<see cref="InferenceSession.PrefillReusingPrefix"/>) and only the rest is
    /// evaluated (<see cref="CachedPromptTokens"/> tells how many were reused). The output is the same as on a fresh
    /// session. Needs a <paramref name="session"/>.
    /// </param>
    /// <exception cref="ContextLengthExceededException">
    /// With <see cref="ContextOverflowPolicy.Error"/>: the prompt, or the prompt plus an explicit
    /// <see cref="GenerationOptions.MaxTokens"/>, does not fit in the context. Nothing has been evaluated.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, e.g. <see cref="GenerationOptions.SinkTokens"/> above half the context.</exception>
    public TextGeneration(BitNetModel model, IReadOnlyList<int> promptIds, GenerationOptions? options = null, InferenceSession? session = null,
        bool reuseCachedPrefix = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(promptIds);
        if (reuseCachedPrefix && session is null)
            throw new ArgumentException("Reusing a cached prefix needs the session that holds it.", nameof(reuseCachedPrefix));
        _options = options ?? new GenerationOptions();
        _options.Validate();
        if (promptIds.Count == 0) throw new ArgumentException("The prompt needs at least one token.", nameof(promptIds));
        var contextLength = session?.ContextLength ?? model.ContextLength;
        if (_options.SinkTokens > contextLength / 2)
            throw new ArgumentOutOfRangeException(nameof(options), _options.SinkTokens,
                $"GenerationOptions.SinkTokens is {_options.SinkTokens}; allowed: 0 to {contextLength / 2} (half the {contextLength}-token context), or null.");
        _model = model;
        _prompt = [.. promptIds];
        _reuseCachedPrefix = reuseCachedPrefix;
        // Tokens of the sequence before the prompt.
        var held = reuseCachedPrefix ? 0 : session?.Position ?? 0;
        if (_options.ContextOverflow == ContextOverflowPolicy.Error)
            ThrowIfTooLong(held, contextLength, model.Config.ContextLength);
        _sinkTokens = _options.SinkTokens ?? Math.Min(held + _prompt.Length, contextLength / 2);
        _ownsSession = session is null;
        _session = session ?? model.CreateSession();
    }

    /// <summary>Tokens in the prompt.</summary>
    public int PromptTokenCount => _prompt.Length;

    /// <summary>The generated token ids so far, including a final end-of-sequence token.</summary>
    public IReadOnlyList<int> GeneratedIds => _generated;

    /// <summary>Why generation ended; null while it runs.</summary>
    public GenerationFinishReason? FinishReason { get; private set; }

    /// <summary>Time spent evaluating the prompt.</summary>
    public TimeSpan PrefillTime { get; private set; }

    /// <summary>Time from the start of <see cref="Run"/> to the first generated token.</summary>
    public TimeSpan? TimeToFirstToken { get; private set; }

    /// <summary>Time spent generating after the first token.</summary>
    public TimeSpan DecodeTime { get; private set; }

    /// <summary>
    /// Prompt tokens whose keys and values came from the session's cache instead of being evaluated (only with
    /// <c>reuseCachedPrefix</c>; 0 otherwise).
    /// </summary>
    public int CachedPromptTokens { get; private set; }

    /// <summary>How many times <see cref="ContextOverflowPolicy.SlidingWindow"/> dropped the middle of the sequence.</summary>
    public int ContextShifts { get; private set; }

    /// <summary>Tokens evaluated a second time, at new positions, because the window slid (the cost of sliding).</summary>
    public int ReevaluatedTokens { get; private set; }

    /// <summary>Runs the generation, yielding each token as soon as it is sampled.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled (checked between prompt tokens and between generated tokens).</exception>
    public IEnumerable<GeneratedToken> Run(CancellationToken cancellationToken = default)
    {
        if (_started) throw new InvalidOperationException("A TextGeneration runs once; create another for a new request.");
        _started = true;
        return RunCore(cancellationToken);
    }

    private IEnumerable<GeneratedToken> RunCore(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var token in Generate(cancellationToken)) yield return token;
        }
        finally
        {
            if (_ownsSession) _session.Dispose();
        }
    }

    private IEnumerable<GeneratedToken> Generate(CancellationToken cancellationToken)
    {
        var tokenizer = _model.Tokenizer;
        var sampler = new Sampler(_options.Sampling, _model.Config.VocabularySize);
        // The repetition penalty's window starts with the prompt (a continuation should not echo it either).
        sampler.AddPromptTokens(_prompt);
        // Generated text continues the prompt, so a leading "▁" of the first token is a real space.
        var detokenizer = tokenizer.CreateStreamingDetokenizer(atBeginningOfText: false);
        var stops = new StopSequenceMatcher(_options.StopSequences);
        var endIds = tokenizer.EndOfGenerationIds;
        var constraint = _options.Constraint?.Invoke(tokenizer);
        // The constraint masks a copy: the session's logits stay as the model computed them.
        var masked = constraint is null ? null : new float[_model.Config.VocabularySize];

        var clock = Stopwatch.StartNew();
        PrefillPrompt(cancellationToken);
        PrefillTime = clock.Elapsed;
        var logits = _session.Logits;
        // Positions left, plus the last generated token, which is never evaluated.
        var room = _session.Remaining + 1;
        var maxTokens = _options.MaxTokens ?? room;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int id;
            if (constraint is null)
            {
                id = sampler.Sample(logits);
            }
            else
            {
                logits.CopyTo(masked);
                constraint.MaskLogits(masked, maxTokens - _generated.Count);
                id = sampler.Sample(masked);
                constraint.Accept(id);
            }

            _generated.Add(id);
            if (_generated.Count == 1) TimeToFirstToken = clock.Elapsed;

            string text;
            if (Contains(endIds, id))
            {
                FinishReason = GenerationFinishReason.EndOfSequence;
                text = stops.Append(detokenizer.Flush(), out var stopped) + (stopped ? "" : stops.Flush());
                if (stopped) FinishReason = GenerationFinishReason.StopSequence;
            }
            else
            {
                text = stops.Append(detokenizer.Append(id), out var stopped);
                if (stopped) FinishReason = GenerationFinishReason.StopSequence;
                else if (_generated.Count >= maxTokens || constraint is { IsComplete: true })
                {
                    // A complete constrained value is an end of sequence: nothing may follow it.
                    FinishReason = constraint is { IsComplete: true } ? GenerationFinishReason.EndOfSequence
                        : _options.MaxTokens is null ? GenerationFinishReason.ContextFull : GenerationFinishReason.MaxTokens;
                    text += stops.Append(detokenizer.Flush(), out stopped);
                    if (stopped) FinishReason = GenerationFinishReason.StopSequence;
                    else text += stops.Flush();
                }
            }

            if (FinishReason is not null)
            {
                DecodeTime = clock.Elapsed - (TimeToFirstToken ?? TimeSpan.Zero);
                yield return new GeneratedToken(id, text);
                yield break;
            }

            yield return new GeneratedToken(id, text);
            if (_session.Remaining > 0)
            {
                logits = _session.Decode(id);
            }
            else
            {
                // Only reachable with SlidingWindow and an explicit limit: with Error the limit was checked to fit.
                _pending[0] = id;
                Slide(_pending, cancellationToken);
                logits = _session.Logits;
            }
        }
    }

    /// <summary>Evaluates the prompt (what the cache does not hold of it, when reusing), sliding the window if it does not fit.</summary>
    private void PrefillPrompt(CancellationToken cancellationToken)
    {
        // Beyond the context only SlidingWindow gets here: the constructor rejected it otherwise.
        if (_reuseCachedPrefix)
        {
            if (_prompt.Length <= _session.ContextLength)
            {
                CachedPromptTokens = _session.PrefillReusingPrefix(_prompt, cancellationToken);
            }
            else
            {
                var common = _session.CommonPrefixLength(_prompt);
                _session.Rewind(common);
                CachedPromptTokens = Slide(_prompt.AsSpan(common), cancellationToken);
            }
        }
        else if (_prompt.Length <= _session.Remaining)
        {
            _session.Prefill(_prompt, cancellationToken);
        }
        else
        {
            Slide(_prompt, cancellationToken);
        }
    }

    /// <summary>
    /// Fails, before anything is evaluated, when the prompt (after the <paramref name="held"/> tokens the session holds)
    /// or the prompt plus an explicit token limit does not fit in the context.
    /// </summary>
    private void ThrowIfTooLong(int held, int contextLength, int modelContextLength)
    {
        var raise = $"raise ContextLength (the model allows {modelContextLength}) or use ContextOverflowPolicy.SlidingWindow";
        // The last generated token is never evaluated, so a prompt may fill the context exactly and still yield one token.
        if (held + _prompt.Length > contextLength)
            throw new ContextLengthExceededException(held + _prompt.Length, contextLength,
                $"The prompt alone has {_prompt.Length} tokens" + (held > 0 ? $" after the {held} the session holds" : "") +
                $". Shorten it, {raise}.");
        if (_options.MaxTokens is { } maxTokens && held + _prompt.Length + maxTokens - 1 > contextLength)
            throw new ContextLengthExceededException(held + _prompt.Length + maxTokens - 1, contextLength,
                $"The prompt has {_prompt.Length} tokens" + (held > 0 ? $" after the {held} the session holds" : "") +
                $" and MaxTokens asks for {maxTokens} more (the last one is never evaluated). Lower MaxTokens to at most " +
                $"{Math.Max(contextLength - held - _prompt.Length + 1, 0)}, shorten the prompt, {raise}.");
    }

    /// <summary>
    /// Appends <paramref name="next"/> to the sequence after dropping its middle: the session ends up holding the first
    /// <see cref="_sinkTokens"/> tokens and the most recent tokens (<paramref name="next"/> last), half of the non-sink
    /// positions in all. Cached keys carry rotary embeddings of their absolute positions, so the kept recent tokens are
    /// re-evaluated at their new positions; the sink keeps its positions and its cache entries.
    /// </summary>
    /// <returns>How many leading tokens kept their cache entries.</returns>
    private int Slide(ReadOnlySpan<int> next, CancellationToken cancellationToken)
    {
        var held = _session.Tokens;
        var total = held.Length + next.Length;
        var contextLength = _session.ContextLength;
        var sink = Math.Min(_sinkTokens, total);
        // Half of the non-sink positions: the window then moves once per (context - sink) / 2 tokens.
        var recent = Math.Clamp((contextLength - sink) / 2, 1, total - sink);
        var kept = ArrayPool<int>.Shared.Rent(sink + recent);
        int reused;
        try
        {
            var heldCount = held.Length;
            for (var i = 0; i < sink + recent; i++)
            {
                var source = Source(i);
                kept[i] = source < heldCount ? held[source] : next[source - heldCount];
            }

            reused = _session.PrefillReusingPrefix(kept.AsSpan(0, sink + recent), cancellationToken);
            ContextShifts++;
            // Kept tokens past the reused prefix that had been evaluated before: the price of the shift.
            for (var i = reused; i < sink + recent; i++)
                if (Source(i) < heldCount) ReevaluatedTokens++;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(kept);
        }

        return reused;

        // The index in held + next of the i-th kept token.
        int Source(int i) => i < sink ? i : total - recent + (i - sink);
    }

    private static bool Contains(IReadOnlyList<int> ids, int id)
    {
        for (var i = 0; i < ids.Count; i++) if (ids[i] == id) return true;
        return false;
    }
}
