using BitNet.Runtime.Sampling;

namespace BitNet.Runtime.Evaluation;

/// <summary>
/// Measures what a sampling setting does to generated text: continues a fixed set of prompts and reports how repetitive
/// the continuations are and how likely the unmodified model finds them (<see cref="SamplingEvaluation"/>).
/// </summary>
/// <remarks>
/// Prompt i is continued with the setting's options and seed <c>seed + i</c>, on its own session, for at most
/// <c>maxTokens</c> tokens or until an end-of-generation token (which is scored and counted, but adds no text).
/// The likelihood of a sampled token is its probability under the model's raw logits at temperature 1 — before any
/// penalty or filter — so settings are compared on one scale: how typical of the model's own distribution the sampled
/// text is. <see cref="EvaluateReference"/> scores given continuations (e.g. the held-out stories' own words) the same way.
/// </remarks>
public sealed class SamplingEvaluator
{
    private readonly BitNetModel _model;

    /// <summary>Creates an evaluator for <paramref name="model"/>.</summary>
    public SamplingEvaluator(BitNetModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <summary>Continues every prompt with <paramref name="options"/> and measures the continuations.</summary>
    /// <param name="prompts">Token ids of each prompt (with the beginning-of-sequence token when wanted).</param>
    /// <param name="options">The setting; its <see cref="SamplingOptions.Seed"/> is replaced by <paramref name="seed"/> + the prompt's index.</param>
    /// <param name="maxTokens">The most tokens per continuation; prompt plus continuation must fit in the context.</param>
    /// <param name="seed">The first prompt's seed.</param>
    /// <param name="cancellationToken">Checked between tokens.</param>
    /// <exception cref="ArgumentException">There are no prompts, or a prompt plus <paramref name="maxTokens"/> does not fit in the context.</exception>
    public SamplingEvaluation Evaluate(IReadOnlyList<int[]> prompts, SamplingOptions options, int maxTokens, ulong seed,
                                       CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckPrompts(prompts, maxTokens);
        var tokenizer = _model.Tokenizer;
        var result = new Accumulator();
        using var session = _model.CreateSession();
        var generated = new List<int>(maxTokens);
        for (var p = 0; p < prompts.Count; p++)
        {
            session.Rewind();
            var logits = session.Prefill(prompts[p], cancellationToken);
            var sampler = new Sampler(options with { Seed = seed + (ulong)p }, logits.Length);
            sampler.AddPromptTokens(prompts[p]);
            generated.Clear();
            var ended = false;
            while (generated.Count < maxTokens)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var id = sampler.Sample(logits);
                result.AddToken(PerplexityEvaluator.NegativeLogLikelihood(logits, id));
                if (tokenizer.IsEndOfGeneration(id))
                {
                    ended = true;
                    break;
                }

                generated.Add(id);
                if (generated.Count < maxTokens)
                    logits = session.Decode(id);
            }

            result.AddText(tokenizer.Decode([.. generated]), ended);
        }

        return result.ToEvaluation(prompts.Count);
    }

    /// <summary>
    /// Scores given continuations as <see cref="Evaluate"/> scores sampled ones: the likelihood of each continuation
    /// token after its prompt, and the repetition of the continuations' text.
    /// </summary>
    /// <param name="prompts">Token ids of each prompt.</param>
    /// <param name="continuations">The token ids that follow each prompt (no end-of-sequence token needed).</param>
    /// <param name="cancellationToken">Checked between tokens.</param>
    /// <exception cref="ArgumentException">The lists differ in length, are empty, or a prompt plus its continuation does not fit.</exception>
    public SamplingEvaluation EvaluateReference(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> continuations,
                                                CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(continuations);
        if (continuations.Count != prompts.Count)
            throw new ArgumentException($"Expected one continuation per prompt ({prompts.Count}), got {continuations.Count}.", nameof(continuations));
        var longest = 1;
        foreach (var continuation in continuations) longest = Math.Max(longest, continuation.Length);
        CheckPrompts(prompts, longest);

        var result = new Accumulator();
        using var session = _model.CreateSession();
        for (var p = 0; p < prompts.Count; p++)
        {
            session.Rewind();
            var logits = session.Prefill(prompts[p], cancellationToken);
            var continuation = continuations[p];
            for (var i = 0; i < continuation.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                result.AddToken(PerplexityEvaluator.NegativeLogLikelihood(logits, continuation[i]));
                if (i + 1 < continuation.Length)
                    logits = session.Decode(continuation[i]);
            }

            result.AddText(_model.Tokenizer.Decode(continuation), ended: false);
        }

        return result.ToEvaluation(prompts.Count);
    }

    private void CheckPrompts(IReadOnlyList<int[]> prompts, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0)
            throw new ArgumentException("Give at least one prompt.", nameof(prompts));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        foreach (var prompt in prompts)
        {
            // The last token is never evaluated, so prompt + maxTokens may exceed the context by one.
            if (prompt.Length == 0 || prompt.Length + maxTokens - 1 > _model.ContextLength)
                throw new ArgumentException(
                    $"A prompt of {prompt.Length} tokens plus {maxTokens} generated does not fit in the {_model.ContextLength}-token context; " +
                    "use shorter prompts or fewer tokens.", nameof(prompts));
        }
    }

    private sealed class Accumulator
    {
        private readonly NGramStatistics _bigrams = new(2);
        private readonly NGramStatistics _trigrams = new(3);
        private double _nll;
        private long _tokens;
        private int _ended;

        public void AddToken(double negativeLogLikelihood)
        {
            _nll += negativeLogLikelihood;
            _tokens++;
        }

        public void AddText(string text, bool ended)
        {
            _bigrams.Add(text);
            _trigrams.Add(text);
            if (ended) _ended++;
        }

        public SamplingEvaluation ToEvaluation(int texts) => new(
            Texts: texts,
            Tokens: _tokens,
            MeanLogLikelihood: _tokens == 0 ? 0 : -_nll / _tokens,
            RepetitionRate3: _trigrams.RepetitionRate,
            Distinct2: _bigrams.Distinct,
            Distinct3: _trigrams.Distinct,
            EndedFraction: (double)_ended / texts);
    }
}
