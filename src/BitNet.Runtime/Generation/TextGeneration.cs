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
    private bool _started;

    /// <summary>Prepares generation on a fresh session of <paramref name="model"/>.</summary>
    /// <exception cref="ContextLengthExceededException">The prompt does not fit in the context.</exception>
    public TextGeneration(BitNetModel model, IReadOnlyList<int> promptIds, GenerationOptions? options = null, InferenceSession? session = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(promptIds);
        _options = options ?? new GenerationOptions();
        _options.Validate();
        if (promptIds.Count == 0) throw new ArgumentException("The prompt needs at least one token.", nameof(promptIds));
        _model = model;
        _ownsSession = session is null;
        _session = session ?? model.CreateSession();
        _prompt = [.. promptIds];
        // The last generated token is never evaluated, so a prompt may fill the context exactly and still yield one token.
        if (_prompt.Length > _session.Remaining)
            throw new ContextLengthExceededException(_session.Position + _prompt.Length, _session.ContextLength,
                $"The prompt alone has {_prompt.Length} tokens. Shorten it or raise ContextLength (the model allows {model.Config.ContextLength}).");
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
        // Generated text continues the prompt, so a leading "▁" of the first token is a real space.
        var detokenizer = tokenizer.CreateStreamingDetokenizer(atBeginningOfText: false);
        var stops = new StopSequenceMatcher(_options.StopSequences);
        var endIds = tokenizer.EndOfGenerationIds;
        var room = _session.Remaining - _prompt.Length + 1;
        var maxTokens = Math.Min(_options.MaxTokens ?? int.MaxValue, room);

        var clock = Stopwatch.StartNew();
        _session.Prefill(_prompt, cancellationToken);
        PrefillTime = clock.Elapsed;
        var logits = _session.Logits;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = sampler.Sample(logits);
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
                else if (_generated.Count >= maxTokens)
                {
                    FinishReason = maxTokens == room && (_options.MaxTokens ?? int.MaxValue) > room
                        ? GenerationFinishReason.ContextFull
                        : GenerationFinishReason.MaxTokens;
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
            logits = _session.Decode(id);
        }
    }

    private static bool Contains(IReadOnlyList<int> ids, int id)
    {
        for (var i = 0; i < ids.Count; i++) if (ids[i] == id) return true;
        return false;
    }
}
