namespace BitNet.Runtime.Sampling;

/// <summary>
/// The repetition, frequency and presence penalties of one sequence: remembers the tokens they count and applies them
/// to a copy of the logits. All memory is allocated by the constructor; nothing is allocated per token.
/// </summary>
/// <remarks>
/// For token t with penalised logit ℓ′:
/// <list type="number">
/// <item>Repetition (when t is among the last <see cref="SamplingOptions.RepetitionPenaltyWindow"/> tokens of the
/// sequence, prompt included; once however often it occurs there): ℓ′ = ℓ / r if ℓ &gt; 0, else ℓ · r.</item>
/// <item>Frequency and presence (c = how many times the sampler generated t; the prompt does not count):
/// ℓ′ −= c · frequency + (c &gt; 0 ? presence : 0).</item>
/// </list>
/// </remarks>
internal sealed class LogitPenalties
{
    private readonly int _vocabularySize;
    private readonly float _repetition;
    private readonly float _frequency;
    private readonly float _presence;

    // Frequency/presence: per-token counts of generated tokens, and the distinct ids generated (so a reset and an
    // application touch only those, not the whole vocabulary).
    private readonly int[] _generatedCounts;
    private readonly int[] _generatedIds;
    private int _distinctGenerated;

    // Repetition: the most recent tokens in a ring, and per token the application it was last penalised in (so a token
    // repeated inside the window is penalised once).
    private readonly int[] _window;
    private int _windowNext;
    private int _windowFilled;
    private readonly int[] _penalisedAt;
    private int _application;

    public LogitPenalties(SamplingOptions options, int vocabularySize)
    {
        _vocabularySize = vocabularySize;
        _repetition = options.RepetitionPenalty;
        _frequency = options.FrequencyPenalty;
        _presence = options.PresencePenalty;
        var counted = _frequency != 0f || _presence != 0f;
        _generatedCounts = counted ? new int[vocabularySize] : [];
        _generatedIds = counted ? new int[vocabularySize] : [];
        var repetition = _repetition != 1f;
        _window = repetition ? new int[options.RepetitionPenaltyWindow] : [];
        _penalisedAt = repetition ? new int[vocabularySize] : [];
    }

    /// <summary>Forgets every token seen so far.</summary>
    public void Clear()
    {
        for (var i = 0; i < _distinctGenerated; i++)
            _generatedCounts[_generatedIds[i]] = 0;
        _distinctGenerated = 0;
        _windowNext = 0;
        _windowFilled = 0;
    }

    /// <summary>Adds context tokens (the prompt): they enter the repetition window but are not counted as generated.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A token id is outside the vocabulary.</exception>
    public void AddContext(ReadOnlySpan<int> tokens)
    {
        foreach (var token in tokens)
        {
            if ((uint)token >= (uint)_vocabularySize)
                throw new ArgumentOutOfRangeException(nameof(tokens), token,
                    $"Token id {token} is outside the vocabulary [0, {_vocabularySize}).");
        }

        // Only the last window-length tokens can matter.
        var start = Math.Max(0, tokens.Length - _window.Length);
        foreach (var token in tokens[start..])
            Remember(token);
    }

    /// <summary>Records a generated token (a valid id: the sampler's own choice).</summary>
    public void AddGenerated(int token)
    {
        Remember(token);
        if (_generatedCounts.Length == 0)
            return;
        if (_generatedCounts[token]++ == 0)
            _generatedIds[_distinctGenerated++] = token;
    }

    /// <summary>Writes the penalised <paramref name="logits"/> to <paramref name="penalised"/> (same length).</summary>
    public void Apply(ReadOnlySpan<float> logits, Span<float> penalised)
    {
        logits.CopyTo(penalised);

        if (_window.Length > 0)
        {
            if (++_application == int.MaxValue)
            {
                // The stamps would repeat after 2^31 tokens: start them again.
                Array.Clear(_penalisedAt);
                _application = 1;
            }

            for (var i = 0; i < _windowFilled; i++)
            {
                var token = _window[i];
                if (_penalisedAt[token] == _application)
                    continue;
                _penalisedAt[token] = _application;
                var value = penalised[token];
                penalised[token] = value > 0f ? value / _repetition : value * _repetition;
            }
        }

        for (var i = 0; i < _distinctGenerated; i++)
        {
            var token = _generatedIds[i];
            penalised[token] -= _generatedCounts[token] * _frequency + _presence;
        }
    }

    private void Remember(int token)
    {
        if (_window.Length == 0)
            return;
        _window[_windowNext] = token;
        _windowNext = _windowNext + 1 == _window.Length ? 0 : _windowNext + 1;
        if (_windowFilled < _window.Length)
            _windowFilled++;
    }
}
