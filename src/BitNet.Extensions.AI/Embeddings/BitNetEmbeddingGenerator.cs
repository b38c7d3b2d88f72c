using System.Globalization;
using BitNet.Runtime;
using BitNet.Runtime.Embeddings;
using BitNet.Runtime.Tokenization;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI;

/// <summary>
/// An <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> that embeds text with a BitNet b1.58 model locally on the
/// CPU: the mean of the text's final hidden states (after the output RMSNorm, the beginning-of-sequence position left
/// out), L2-normalized (<see cref="TextEmbedder"/> states the choices and why).
/// </summary>
/// <remarks>
/// <para>
/// <b>Quality.</b> A causal language model is not an embedding model. The vectors capture topic and vocabulary, not
/// fine sentence meaning, and the shipped 4M-parameter story model only knows children's stories; docs/benchmarks.md
/// ("Embeddings") measures how well they retrieve. Use a dedicated embedding model where quality matters.
/// </para>
/// <para>
/// <b>Results.</b> One unit-length <see cref="Embedding{T}"/> of <see cref="Dimensions"/> floats per input, in input
/// order, each with <see cref="Embedding.ModelId"/> and <see cref="Embedding.CreatedAt"/> (request start); the same text
/// always gives the same vector, bit for bit, whatever else is in the batch. <see cref="GeneratedEmbeddings{T}.Usage"/>
/// counts the input tokens evaluated (each text's tokens plus its beginning-of-sequence token). An empty string is
/// embedded as the beginning-of-sequence state alone (the same vector for every empty input); an empty list of inputs
/// gives an empty result without touching the model. A text longer than the context raises
/// <see cref="ContextLengthExceededException"/> naming the input and its token count before anything is evaluated;
/// nothing is truncated.
/// </para>
/// <para>
/// <b>Options.</b> <see cref="EmbeddingGenerationOptions.Dimensions"/> may be null or <see cref="Dimensions"/>; any other
/// value raises <see cref="ArgumentOutOfRangeException"/>, since the model was not trained for truncated (Matryoshka)
/// vectors. Ignored: <see cref="EmbeddingGenerationOptions.ModelId"/> (one model per generator; results report the actual
/// one), <see cref="EmbeddingGenerationOptions.RawRepresentationFactory"/> (there is no native options type to create) and
/// <see cref="EmbeddingGenerationOptions.AdditionalProperties"/>. The options passed in are never modified.
/// </para>
/// <para>
/// <b>Threads.</b> Thread-safe. Requests run on the shared <see cref="BitNetRuntime"/> alongside chat requests: each
/// input takes one of its <see cref="BitNetRuntime.MaxConcurrentRequests"/> request slots and a session of its own in
/// turn (never one a running request holds), on a worker thread, never the caller's. The cancellation token is checked
/// before each input and between batches of its tokens, and cancellation raises <see cref="OperationCanceledException"/>.
/// An input takes its session as a new conversation would (<see cref="BitNetRuntime"/>, prefix reuse): with the default
/// pool that may be the least recently used idle session, whose conversation then loses its cached prefix (a slower
/// next turn, never a different answer); <see cref="BitNetChatClientOptions.MaxRetainedKvCacheBytes"/> keeps more.
/// </para>
/// </remarks>
public sealed class BitNetEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly BitNetRuntime _runtime;
    private readonly bool _ownsRuntime;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private int _disposed;

    /// <summary>Creates a generator that runs on <paramref name="runtime"/>, which it does not dispose.</summary>
    /// <param name="runtime">The loaded model and its sessions, typically shared with chat clients.</param>
    /// <param name="modelId">The model id reported in results and metadata; null uses the model's own id.</param>
    /// <exception cref="ArgumentNullException"><paramref name="runtime"/> is null.</exception>
    public BitNetEmbeddingGenerator(BitNetRuntime runtime, string? modelId = null)
        : this(Throw.IfNull(runtime), ownsRuntime: false, modelId)
    {
    }

    /// <summary>
    /// Loads the model that <paramref name="options"/> describe (its loading and concurrency settings; null loads the
    /// shipped model) and creates a generator that owns it: disposing the generator disposes the model.
    /// </summary>
    /// <param name="options">The runtime settings and <see cref="BitNetChatClientOptions.ModelId"/>; the sampling defaults are not used.</param>
    /// <exception cref="ArgumentException">An option is out of range (the message names it, its value and the allowed range).</exception>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    public BitNetEmbeddingGenerator(BitNetChatClientOptions? options)
        : this(BitNetRuntime.Load(options), ownsRuntime: true, options?.ModelId)
    {
    }

    private BitNetEmbeddingGenerator(BitNetRuntime runtime, bool ownsRuntime, string? modelId)
    {
        _runtime = runtime;
        _ownsRuntime = ownsRuntime;
        ModelId = modelId ?? runtime.Model.ModelId;
        _metadata = new EmbeddingGeneratorMetadata(BitNetChatClient.ProviderName, providerUri: null, ModelId, Dimensions);
    }

    /// <summary>The runtime this generator computes on.</summary>
    public BitNetRuntime Runtime => _runtime;

    /// <summary>The model id reported in results and metadata.</summary>
    public string ModelId { get; }

    /// <summary>The length of every embedding: the model's hidden size.</summary>
    public int Dimensions => _runtime.Embedder.Dimensions;

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null, or one of its strings is.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="EmbeddingGenerationOptions.Dimensions"/> is set to another length than <see cref="Dimensions"/>.</exception>
    /// <exception cref="ContextLengthExceededException">An input is longer than the context (from the returned task).</exception>
    /// <exception cref="ObjectDisposedException">The generator or its runtime is disposed.</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        Throw.IfNull(values);
        ThrowIfDisposed();
        // Enumerated exactly once.
        var texts = new List<string>(values);
        for (var i = 0; i < texts.Count; i++)
            if (texts[i] is null) throw new ArgumentNullException(nameof(values), $"Input {i} (counting from 0) is null; every input must be a string (empty is allowed).");
        if (options?.Dimensions is { } requested && requested != Dimensions)
        {
            throw new ArgumentOutOfRangeException(nameof(options), requested, string.Create(CultureInfo.InvariantCulture,
                $"{nameof(EmbeddingGenerationOptions)}.{nameof(EmbeddingGenerationOptions.Dimensions)} is {requested}; this model's embeddings have " +
                $"{Dimensions} dimensions (its hidden size) and cannot be shortened (it was not trained for truncated vectors). Leave it null or set {Dimensions}."));
        }

        var createdAt = DateTimeOffset.UtcNow;
        var vectors = new float[texts.Count][];
        for (var i = 0; i < vectors.Length; i++) vectors[i] = new float[Dimensions];
        var tokens = texts.Count == 0 ? 0 : await _runtime.EmbedAsync(texts, vectors, cancellationToken).ConfigureAwait(false);

        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Length)
        {
            Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens },
        };
        foreach (var vector in vectors)
            result.Add(new Embedding<float>(vector) { ModelId = ModelId, CreatedAt = createdAt });
        return result;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Answers, for a null <paramref name="serviceKey"/>: <see cref="EmbeddingGeneratorMetadata"/> (provider
    /// <see cref="BitNetChatClient.ProviderName"/>, no URI, the model id, <see cref="Dimensions"/>); <see cref="BitNetRuntime"/>;
    /// <see cref="BitNetModel"/>; <see cref="BitNetTokenizer"/>; <see cref="TextEmbedder"/>; and this generator for any type
    /// it is assignable to. Anything else, or any non-null key, gives null.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The generator is disposed.</exception>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        Throw.IfNull(serviceType);
        ThrowIfDisposed();
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return _metadata;
        if (serviceType == typeof(BitNetRuntime)) return _runtime;
        if (serviceType == typeof(BitNetModel)) return _runtime.Model;
        if (serviceType == typeof(BitNetTokenizer)) return _runtime.Model.Tokenizer;
        if (serviceType == typeof(TextEmbedder)) return _runtime.Embedder;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Disposes the runtime if this generator loaded it. Later calls do nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_ownsRuntime) _runtime.Dispose();
    }

    private void ThrowIfDisposed() => Throw.IfDisposed(Volatile.Read(ref _disposed) != 0, this);
}
