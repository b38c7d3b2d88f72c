using System.Numerics.Tensors;
using BitNet.Runtime.Model;

namespace BitNet.Runtime.Embeddings;

/// <summary>
/// Text embeddings from a BitNet causal language model: the mean of the text's final hidden states, L2-normalized to a
/// unit vector of <see cref="Dimensions"/> (the model's embedding length) floats.
/// </summary>
/// <remarks>
/// <para>
/// <b>Which state.</b> The final hidden state of a position is the residual stream after the last layer with the output
/// RMSNorm applied (post-norm): the vector the LM head reads, and what Hugging Face's <c>last_hidden_state</c> holds for
/// Llama-style models. Before that norm the residual stream's scale varies widely from token to token, so a mean of
/// pre-norm states would be dominated by a few large-norm positions; after it every position weighs about the same.
/// The LM head itself is never evaluated (it is the largest matrix of the model).
/// </para>
/// <para>
/// <b>Which positions.</b> The text is tokenized with the beginning-of-sequence token, since the model was trained
/// with it (it is the attention sink), but the BOS position is not pooled: its state is the same for every text, and
/// averaging it in would pull every embedding toward one shared vector. An empty text (only BOS) is the one exception:
/// its embedding is the normalized BOS state, the same vector for every empty input.
/// </para>
/// <para>
/// <b>Length.</b> A text longer than the context (BOS included) is rejected with a
/// <see cref="ContextLengthExceededException"/> naming its token count; nothing is truncated or chunked silently.
/// </para>
/// <para>
/// <b>Quality.</b> A causal language model is not trained to embed: a position's state encodes what comes next, and a
/// mean over positions is a coarse summary of topic and vocabulary. Expect topical similarity, not sentence-level
/// semantics; docs/benchmarks.md measures it.
/// </para>
/// <para>
/// Thread-safe: it holds no per-call state. Each call runs on the session it is given (which must not be used by
/// anyone else meanwhile) and allocates nothing; the session's batched prefill is used when the model supports it,
/// and the result is bit-identical either way.
/// </para>
/// </remarks>
public sealed class TextEmbedder
{
    /// <summary>Creates an embedder for <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public TextEmbedder(BitNetModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    /// <summary>The model whose hidden states are pooled.</summary>
    public BitNetModel Model { get; }

    /// <summary>The length of every embedding: the model's embedding (hidden) length.</summary>
    public int Dimensions => Model.Config.EmbeddingLength;

    /// <summary>The tokens <see cref="Embed"/> evaluates for <paramref name="text"/>: BOS (when the model uses one) and the text.</summary>
    /// <param name="text">The text.</param>
    /// <param name="description">How error messages name the text (e.g. which input of a batch it is).</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentException">The text has no tokens and the model has no BOS token to stand for it.</exception>
    /// <exception cref="ContextLengthExceededException">The text needs more positions than the model's context holds.</exception>
    public int[] Tokenize(string text, string description = "The text to embed")
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = Model.Tokenizer.Encode(text);
        if (ids.Length == 0)
            throw new ArgumentException($"{description} is empty, and this model has no beginning-of-sequence token to embed in its place.", nameof(text));
        if (ids.Length > Model.ContextLength)
        {
            throw new ContextLengthExceededException(ids.Length, Model.ContextLength,
                $"{description} has {ids.Length} tokens (with the beginning-of-sequence token), more than the {Model.ContextLength}-token " +
                $"context; it is not truncated. Split the text into shorter passages, or raise ContextLength (this model allows up to {Model.Config.ContextLength}).");
        }
        return ids;
    }

    /// <summary>
    /// Evaluates <paramref name="tokens"/> from position 0 of <paramref name="session"/> and writes their embedding to
    /// <paramref name="destination"/>: the L2-normalized mean of the final hidden states, the leading BOS left out unless
    /// it is the only token.
    /// </summary>
    /// <param name="session">A session of <see cref="Model"/>. Its earlier contents are discarded, except a leading BOS, whose cache entry is reused.</param>
    /// <param name="tokens">The tokens, as <see cref="Tokenize"/> returns them.</param>
    /// <param name="destination">Receives <see cref="Dimensions"/> floats.</param>
    /// <param name="cancellationToken">Checked between batches of tokens.</param>
    /// <exception cref="ArgumentNullException"><paramref name="session"/> is null.</exception>
    /// <exception cref="ArgumentException">The session belongs to another model, <paramref name="tokens"/> is empty, or <paramref name="destination"/> has the wrong length.</exception>
    /// <exception cref="ContextLengthExceededException">The tokens need more positions than the session holds.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public void Embed(InferenceSession session, ReadOnlySpan<int> tokens, Span<float> destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!ReferenceEquals(session.Config, Model.Config))
            throw new ArgumentException("The session belongs to another model; create it with this embedder's Model.CreateSession().", nameof(session));
        if (tokens.IsEmpty) throw new ArgumentException("There must be at least one token to embed.", nameof(tokens));
        if (destination.Length != Dimensions)
            throw new ArgumentException($"The destination needs {Dimensions} floats (the model's embedding length); got {destination.Length}.", nameof(destination));
        if (tokens.Length > session.ContextLength) throw new ContextLengthExceededException(tokens.Length, session.ContextLength);

        var bos = Model.Tokenizer.BosId;
        var pooled = tokens;
        if (tokens.Length > 1 && tokens[0] == bos)
        {
            // BOS is evaluated (the model expects it) but not pooled. Its keys and values depend on nothing else, so a
            // session that already starts with it keeps them.
            if (session.Position > 0 && session.Tokens[0] == bos) session.Rewind(1);
            else
            {
                session.Rewind();
                session.Evaluate(bos, computeLogits: false);
            }
            pooled = tokens[1..];
        }
        else
        {
            session.Rewind();
        }

        // The sum has the mean's direction; normalizing it skips a division that would only add rounding.
        destination.Clear();
        session.AccumulateHiddenStates(pooled, destination, cancellationToken);
        var norm = TensorPrimitives.Norm(destination);
        if (norm > 0) TensorPrimitives.Divide(destination, norm, destination);
    }
}
