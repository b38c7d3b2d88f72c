using System.Numerics.Tensors;

namespace BitNet.Runtime.Model;

/// <summary>
/// One sequence being evaluated: its KV cache, its scratch buffers and its position. Feed it tokens; read the
/// next-token logits.
/// </summary>
/// <remarks>Not thread-safe: a session belongs to one sequence at a time. Different sessions of the same model run concurrently.</remarks>
public sealed class InferenceSession : IDisposable
{
    private readonly BitNetForward _forward;
    private readonly KvCache.KvCache _cache;
    private readonly ForwardState _state;
    // The token evaluated at each position, so that a later request can find the prefix it shares with this one.
    private readonly int[] _tokens;
    private PrefillState? _prefill;
    private int _logitsPosition = -1;

    internal InferenceSession(BitNetForward forward, int contextLength, KvCache.KvCacheType kvCacheType = KvCache.KvCacheType.F32)
    {
        _forward = forward;
        var config = forward.Config;
        ContextLength = contextLength;
        _cache = new KvCache.KvCache(config.BlockCount, contextLength, config.KvDimension, config.HeadDimension, kvCacheType);
        _state = new ForwardState(config, contextLength, forward.Kernel);
        _tokens = new int[contextLength];
    }

    /// <summary>The configuration of the model this session runs.</summary>
    internal BitNetConfig Config => _forward.Config;

    /// <summary>Positions this session holds.</summary>
    public int ContextLength { get; }

    /// <summary>Tokens evaluated so far (the position of the next token).</summary>
    public int Position { get; private set; }

    /// <summary>Positions still free.</summary>
    public int Remaining => ContextLength - Position;

    /// <summary>The precision the KV cache stores keys and values in.</summary>
    public KvCache.KvCacheType KvCacheType => _cache.Type;

    /// <summary>Bytes the KV cache holds per token (all layers, keys and values, scales included).</summary>
    public long KvBytesPerToken => _cache.BytesPerToken;

    /// <summary>Bytes of KV cache this session has allocated (every position of its context, used or not).</summary>
    public long KvCacheBytes => _cache.BytesPerToken * ContextLength;

    /// <summary>The token ids evaluated so far, position by position (valid until the next evaluation or rewind).</summary>
    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, Position);

    /// <summary>The logits computed by the last evaluation that asked for them (valid until the next evaluation).</summary>
    public ReadOnlySpan<float> Logits => _logitsPosition >= 0 ? _state.Logits : throw new InvalidOperationException("No logits have been computed yet.");

    /// <summary>Evaluates prompt tokens; returns the logits after the last one.</summary>
    /// <exception cref="ContextLengthExceededException">The tokens do not fit in the remaining context.</exception>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        EvaluatePrompt(tokens, computeLogits: true, hiddenSum: [], cancellationToken);
        return _state.Logits;
    }

    /// <summary>
    /// Evaluates <paramref name="tokens"/> as <see cref="Prefill"/> does, but without the LM head (no logits are computed),
    /// and adds each token's final hidden state — the residual stream after the last layer with the output RMSNorm
    /// applied, the vector the head would read — to <paramref name="hiddenSum"/>, in position order.
    /// </summary>
    /// <param name="tokens">The tokens, evaluated at the current position onward.</param>
    /// <param name="hiddenSum">Receives the sum; its length is the model's embedding length.</param>
    /// <param name="cancellationToken">Checked between batches of tokens.</param>
    /// <exception cref="ArgumentException"><paramref name="tokens"/> is empty, or <paramref name="hiddenSum"/> has the wrong length.</exception>
    /// <exception cref="ContextLengthExceededException">The tokens do not fit in the remaining context.</exception>
    public void AccumulateHiddenStates(ReadOnlySpan<int> tokens, Span<float> hiddenSum, CancellationToken cancellationToken = default)
    {
        var d = _forward.Config.EmbeddingLength;
        if (hiddenSum.Length != d)
            throw new ArgumentException($"The hidden-state sum needs {d} floats (the model's embedding length); got {hiddenSum.Length}.", nameof(hiddenSum));
        EvaluatePrompt(tokens, computeLogits: false, hiddenSum, cancellationToken);
    }

    /// <summary>
    /// The prompt path shared by <see cref="Prefill"/> and <see cref="AccumulateHiddenStates"/>: token by token or in
    /// batches; the last token's logits when asked; the final hidden states added to <paramref name="hiddenSum"/> unless it is empty.
    /// </summary>
    private void EvaluatePrompt(ReadOnlySpan<int> tokens, bool computeLogits, Span<float> hiddenSum, CancellationToken cancellationToken)
    {
        if (tokens.IsEmpty) throw new ArgumentException("Prefill needs at least one token.", nameof(tokens));
        EnsureRoom(tokens.Length);
        var vocabulary = _forward.Config.VocabularySize;
        foreach (var token in tokens)
            if ((uint)token >= (uint)vocabulary)
                throw new ArgumentOutOfRangeException(nameof(tokens), token, $"Token ids run from 0 to {vocabulary - 1}.");

        var d = _forward.Config.EmbeddingLength;
        if (!_forward.CanBatch || tokens.Length == 1)
        {
            for (var i = 0; i < tokens.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Evaluate(tokens[i], computeLogits: computeLogits && i == tokens.Length - 1);
                if (!hiddenSum.IsEmpty) AddFinalHidden(_state.Hidden.AsSpan(0, d), hiddenSum);
            }
            return;
        }

        // Batches of prompt tokens: each weight chunk is unpacked once per batch instead of once per token.
        _prefill ??= new PrefillState(_forward.Config, ContextLength, _forward.Kernel, _forward.UsesLookupLayout);
        for (var start = 0; start < tokens.Length; start += PrefillState.MaxTokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = tokens.Slice(start, Math.Min(PrefillState.MaxTokens, tokens.Length - start));
            var last = start + chunk.Length == tokens.Length;
            lock (_forward.ComputeLock) _forward.Prefill(chunk, Position, _cache, _prefill, _state, computeLogits: computeLogits && last);
            chunk.CopyTo(_tokens.AsSpan(Position));
            Position += chunk.Length;
            if (computeLogits && last) _logitsPosition = Position - 1;
            // The batch's residual rows are this session's own scratch: no need to hold the compute lock here.
            if (!hiddenSum.IsEmpty)
                for (var i = 0; i < chunk.Length; i++) AddFinalHidden(_prefill.Hidden.AsSpan(i * d, d), hiddenSum);
        }
    }

    /// <summary>hiddenSum += FinalNorm(residual), with the session's norm buffer as scratch.</summary>
    private void AddFinalHidden(ReadOnlySpan<float> residual, Span<float> hiddenSum)
    {
        var normed = _state.Normed.AsSpan(0, residual.Length);
        _forward.FinalNorm(residual, normed);
        TensorPrimitives.Add(hiddenSum, normed, hiddenSum);
    }

    /// <summary>Evaluates one token at the current position; returns the next-token logits.</summary>
    public ReadOnlySpan<float> Decode(int token) => Evaluate(token, computeLogits: true);

    /// <summary>Evaluates one token; computes logits only when asked (prompt tokens before the last need none).</summary>
    public ReadOnlySpan<float> Evaluate(int token, bool computeLogits)
    {
        var vocabulary = _forward.Config.VocabularySize;
        if ((uint)token >= (uint)vocabulary)
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids run from 0 to {vocabulary - 1}.");
        EnsureRoom(1);
        Span<float> logits;
        lock (_forward.ComputeLock) logits = _forward.Forward(token, Position, _cache, _state, computeLogits);
        if (computeLogits) _logitsPosition = Position;
        _tokens[Position] = token;
        Position++;
        return logits;
    }

    /// <summary>
    /// Makes the session hold exactly <paramref name="tokens"/>, evaluating only what it does not hold already: it keeps
    /// the longest prefix of <see cref="Tokens"/> that <paramref name="tokens"/> starts with (at most all but the last
    /// token, whose logits must be computed), rewinds to it and prefills the rest. The logits are the same as those of
    /// a prefill of <paramref name="tokens"/> on an empty session.
    /// </summary>
    /// <returns>How many leading tokens were reused from the cache instead of being evaluated.</returns>
    /// <exception cref="ContextLengthExceededException">The tokens do not fit in the context.</exception>
    public int PrefillReusingPrefix(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        if (tokens.IsEmpty) throw new ArgumentException("Prefill needs at least one token.", nameof(tokens));
        if (tokens.Length > ContextLength) throw new ContextLengthExceededException(tokens.Length, ContextLength);
        var reused = CommonPrefixLength(tokens);
        Rewind(reused);
        Prefill(tokens[reused..], cancellationToken);
        return reused;
    }

    /// <summary>
    /// How many leading tokens of <paramref name="tokens"/> this session already holds, capped at all but the last one
    /// (a request must evaluate at least one token to get logits): what <see cref="PrefillReusingPrefix"/> would reuse.
    /// </summary>
    public int CommonPrefixLength(ReadOnlySpan<int> tokens) =>
        Math.Min(Tokens.CommonPrefixLength(tokens), Math.Max(tokens.Length - 1, 0));

    /// <summary>Forgets every token after <paramref name="position"/> (0 empties the sequence); the cache is reused.</summary>
    public void Rewind(int position = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, Position);
        Position = position;
        _logitsPosition = -1;
    }

    /// <summary>Frees the session's native scratch buffers.</summary>
    public void Dispose()
    {
        _state.Dispose();
        _prefill?.Dispose();
    }

    private void EnsureRoom(int tokens)
    {
        if (tokens > Remaining) throw new ContextLengthExceededException(Position + tokens, ContextLength);
    }
}
