using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using BitNet.Runtime;
using BitNet.Runtime.Embeddings;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitNet.Extensions.AI;

/// <summary>
/// A loaded <see cref="BitNetModel"/> and the machinery that runs requests on it: a pool of inference sessions
/// (one KV cache each) that keeps the caches of earlier requests for reuse, and a limit on how many requests generate
/// at once. One runtime is meant to be shared by every
/// <see cref="BitNetChatClient"/> that uses the model; dependency injection registers it as a singleton.
/// </summary>
/// <remarks>
/// <para>
/// <b>Concurrency.</b> Every member is thread-safe. At most <see cref="MaxConcurrentRequests"/> requests generate at the
/// same time, each on its own session, so requests never share KV state; further requests wait asynchronously, in
/// no guaranteed order, for a free slot. Requests are not batched yet: each running request does its own forward passes on
/// a worker thread. A batching scheduler will replace this without changing the public surface.
/// </para>
/// <para>
/// <b>Prefix reuse.</b> A finished request's session goes back to the pool with its KV cache and token history. A new
/// request tokenizes its prompt and takes the idle session holding the longest prefix of it (typically the previous
/// turn of the same conversation: its prompt and answer), rewinds that session to the shared prefix and evaluates only
/// the rest; <see cref="Microsoft.Extensions.AI.UsageDetails.CachedInputTokenCount"/> reports the reused tokens. Prefixes
/// are matched by token ids, not by <see cref="Microsoft.Extensions.AI.ChatOptions.ConversationId"/>. The output is
/// exactly what a fresh session gives. Idle sessions are evicted, least recently used first, beyond
/// <see cref="BitNetChatClientOptions.MaxRetainedKvCacheBytes"/> (by default at most <see cref="MaxConcurrentRequests"/>
/// sessions are kept, as many as can run at once).
/// </para>
/// <para>
/// <b>Threads.</b> Generation is synchronous CPU work. It never runs on the caller's thread: each request runs on one
/// thread-pool work item from tokenization to the last token, and a streaming consumer receives the text through a
/// bounded channel, so a slow consumer pauses generation rather than buffering without limit.
/// </para>
/// <para>
/// <b>Lifetime.</b> <see cref="Dispose"/> cancels the requests still running (they fail with
/// <see cref="ObjectDisposedException"/> at their next token), waits for them to hand back their sessions, and then
/// disposes the model if the runtime owns it: a runtime from <see cref="Load"/> does; one built around an existing
/// model with the constructor does not.
/// </para>
/// </remarks>
public sealed class BitNetRuntime : IDisposable
{
    // Tokens a streaming request may run ahead of its consumer.
    private const int StreamBufferTokens = 16;

    private readonly SemaphoreSlim _slots;
    private readonly SessionPool _sessions;
    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _ownsModel;
    private readonly ILogger _logger;
    private int _disposed;
    private int _completedRequests;

    /// <summary>Creates a runtime around a model that is already loaded. The runtime does not dispose the model.</summary>
    /// <param name="model">The model to run.</param>
    /// <param name="maxConcurrentRequests">The most requests that generate at the same time; at least 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxConcurrentRequests"/> is below 1.</exception>
    public BitNetRuntime(BitNetModel model, int maxConcurrentRequests = 1)
        : this(Throw.IfNull(model), new BitNetChatClientOptions { MaxConcurrentRequests = Throw.IfLessThan(maxConcurrentRequests, 1) },
               ownsModel: false, NullLogger.Instance)
    {
    }

    /// <summary>
    /// Creates a runtime around a model that is already loaded, with the runtime settings of <paramref name="options"/>
    /// (<see cref="BitNetChatClientOptions.MaxConcurrentRequests"/>, <see cref="BitNetChatClientOptions.EnablePrefixReuse"/>,
    /// <see cref="BitNetChatClientOptions.MaxRetainedKvCacheBytes"/>; the loading settings and request defaults are not
    /// read). The runtime does not dispose the model.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range (the message names it, its value and the allowed range).</exception>
    public BitNetRuntime(BitNetModel model, BitNetChatClientOptions options)
        : this(Throw.IfNull(model), Validated(Throw.IfNull(options)), ownsModel: false, NullLogger.Instance)
    {
    }

    private BitNetRuntime(BitNetModel model, BitNetChatClientOptions options, bool ownsModel, ILogger logger)
    {
        Model = model;
        MaxConcurrentRequests = options.MaxConcurrentRequests;
        _slots = new SemaphoreSlim(MaxConcurrentRequests, MaxConcurrentRequests);
        _sessions = new SessionPool(model, options.MaxRetainedKvCacheBytes, MaxConcurrentRequests, options.EnablePrefixReuse);
        _ownsModel = ownsModel;
        _logger = logger;
        Embedder = new TextEmbedder(model);
    }

    /// <summary>The model every request runs on.</summary>
    public BitNetModel Model { get; }

    /// <summary>Computes the embeddings of <see cref="BitNetEmbeddingGenerator"/>s on this runtime.</summary>
    internal TextEmbedder Embedder { get; }

    /// <summary>The most requests that generate at the same time.</summary>
    public int MaxConcurrentRequests { get; }

    /// <summary>Idle sessions whose KV caches are kept for reuse.</summary>
    public int RetainedSessionCount => _sessions.IdleCount;

    /// <summary>Bytes of KV cache the idle sessions hold (each session allocates its whole context).</summary>
    public long RetainedKvCacheBytes => _sessions.RetainedBytes;

    /// <summary>
    /// Loads the model that <paramref name="options"/> describe (<see cref="BitNetChatClientOptions.ModelPath"/>,
    /// <see cref="BitNetChatClientOptions.ActivationQuantization"/>, <see cref="BitNetChatClientOptions.ContextLength"/>,
    /// <see cref="BitNetChatClientOptions.MaxConcurrentRequests"/>, <see cref="BitNetChatClientOptions.EnablePrefixReuse"/>,
    /// <see cref="BitNetChatClientOptions.MaxRetainedKvCacheBytes"/>; the request defaults are not used here) and returns
    /// a runtime that owns it.
    /// </summary>
    /// <param name="options">The settings; null loads the shipped default model with default settings.</param>
    /// <param name="logger">Receives a message when the model is loaded (or fails to load); null logs nothing.</param>
    /// <exception cref="ArgumentException">An option is out of range (the message names it, its value and the allowed range).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="BitNetChatClientOptions.ContextLength"/> exceeds the model's trained context length.</exception>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    /// <exception cref="BitNet.Runtime.Gguf.GgufFormatException">The file is not a valid GGUF.</exception>
    /// <exception cref="NotSupportedException">The model's architecture or a tensor type is not supported.</exception>
    public static BitNetRuntime Load(BitNetChatClientOptions? options = null, ILogger? logger = null)
    {
        options ??= new BitNetChatClientOptions();
        BitNetChatClientOptionsValidator.ThrowIfInvalid(options, nameof(options));
        logger ??= NullLogger.Instance;

        var modelOptions = new BitNetModelOptions
        {
            ModelPath = options.ModelPath,
            ActivationQuantization = options.ActivationQuantization,
            HeadQuantization = options.HeadQuantization,
            ContextLength = options.ContextLength,
            KvCache = options.KvCache,
            Threads = options.Threads,
        };
        var clock = Stopwatch.StartNew();
        BitNetModel model;
        try
        {
            model = BitNetModel.Load(modelOptions);
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == nameof(BitNetModelOptions.ContextLength))
        {
            Log.ModelLoadFailed(logger, string.IsNullOrWhiteSpace(options.ModelPath) ? DefaultModel.Path : options.ModelPath, e);
            throw new ArgumentOutOfRangeException(nameof(options), options.ContextLength,
                $"{nameof(BitNetChatClientOptions)}.{nameof(BitNetChatClientOptions.ContextLength)} is {options.ContextLength}; " +
                $"allowed: 1 to the model's trained context length. {e.Message}");
        }
        catch (Exception e)
        {
            Log.ModelLoadFailed(logger, string.IsNullOrWhiteSpace(options.ModelPath) ? DefaultModel.Path : options.ModelPath, e);
            throw;
        }

        Log.ModelLoaded(logger, model.ModelId, model.ModelPath, clock.ElapsedMilliseconds, model.ContextLength,
            model.Options.ActivationQuantization.ToString(), options.MaxConcurrentRequests);
        return new BitNetRuntime(model, options, ownsModel: true, logger);
    }

    /// <summary>
    /// Runs one request on a worker: tokenizes <paramref name="prompt"/>, waits for a free session, and generates.
    /// With an <paramref name="output"/> channel every non-empty piece of text is written to it as soon as it is final
    /// (the channel is completed, without an error, when the request ends for any reason; errors surface through the
    /// returned task). Without one the text is collected into <see cref="GenerationResult.Text"/>.
    /// </summary>
    /// <exception cref="ContextLengthExceededException">The prompt does not fit in the context.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The runtime is, or was while the request ran, disposed.</exception>
    internal Task<GenerationResult> GenerateAsync(ChatPrompt prompt, GenerationOptions options, ChannelWriter<string>? output,
        CancellationToken cancellationToken, bool warmUp = false)
    {
        Throw.IfDisposed(Volatile.Read(ref _disposed) != 0, this);
        return RunOnWorker(token => GenerateCoreAsync(prompt, options, output, token, warmUp), cancellationToken);
    }

    /// <summary>
    /// Embeds <paramref name="texts"/> on a worker (<see cref="TextEmbedder"/>), in order, into
    /// <paramref name="destinations"/> (one array of <see cref="TextEmbedder.Dimensions"/> floats per text). Every text is
    /// tokenized and checked against the context first; then each takes a request slot and a session of its own turn, so
    /// that chat requests waiting for a slot are served between the texts of a long batch.
    /// </summary>
    /// <returns>The tokens evaluated, BOS included.</returns>
    /// <exception cref="ContextLengthExceededException">A text does not fit in the context (nothing is embedded).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The runtime is, or was while the request ran, disposed.</exception>
    internal Task<int> EmbedAsync(IReadOnlyList<string> texts, float[][] destinations, CancellationToken cancellationToken)
    {
        Throw.IfDisposed(Volatile.Read(ref _disposed) != 0, this);
        return RunOnWorker(token => EmbedCoreAsync(texts, destinations, token), cancellationToken);
    }

    private async Task<int> EmbedCoreAsync(IReadOnlyList<string> texts, float[][] destinations, CancellationToken cancellationToken)
    {
        var ids = new int[texts.Count][];
        var tokens = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = Embedder.Tokenize(texts[i], $"Input {i} (counting from 0) to embed");
            tokens += ids[i].Length;
        }

        for (var i = 0; i < ids.Length; i++)
        {
            // The session goes back holding this text's cache entries, which a prompt that starts the same way may reuse.
            using var lease = await AcquireSessionAsync(ids[i], cancellationToken).ConfigureAwait(false);
            Embedder.Embed(lease.Session, ids[i], destinations[i], cancellationToken);
        }
        return tokens;
    }

    /// <summary>
    /// Runs a request's <paramref name="work"/> on one thread-pool work item, with a token that the caller's
    /// <paramref name="cancellationToken"/> and the runtime's disposal both cancel. The caller's cancellation surfaces as
    /// an <see cref="OperationCanceledException"/> for its own token, disposal as <see cref="ObjectDisposedException"/>.
    /// </summary>
    private Task<T> RunOnWorker<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        // CancellationToken.None so that the work always starts (a streaming request must complete its channel).
        Task.Run(async () =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            try
            {
                return await work(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Report the caller's token, not the linked one.
                throw new OperationCanceledException(cancellationToken);
            }
            catch (OperationCanceledException e) when (_stopping.IsCancellationRequested)
            {
                throw new ObjectDisposedException(GetType().FullName, e);
            }
        }, CancellationToken.None);

    /// <summary>Creates the bounded channel a streaming request hands its text through.</summary>
    internal static Channel<string> CreateStreamChannel() =>
        Channel.CreateBounded<string>(new BoundedChannelOptions(StreamBufferTokens)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    private async Task<GenerationResult> GenerateCoreAsync(ChatPrompt prompt, GenerationOptions options, ChannelWriter<string>? output,
        CancellationToken token, bool warmUp)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var promptIds = Tokenize(prompt, options);
            using var lease = await AcquireSessionAsync(promptIds, token).ConfigureAwait(false);
            // The session may hold an earlier request's tokens: only what differs from them is evaluated.
            var generation = new TextGeneration(Model, promptIds, options, lease.Session, reuseCachedPrefix: true);
            var collected = output is null ? new StringBuilder() : null;
            var firstToken = true;
            foreach (var piece in generation.Run(token))
            {
                if (firstToken)
                {
                    firstToken = false;
                    RecordTimeToFirstToken(started, warmUp);
                }
                if (piece.Text.Length == 0) continue;
                if (collected is not null) collected.Append(piece.Text);
                else if (!output!.TryWrite(piece.Text)) await output.WriteAsync(piece.Text, token).ConfigureAwait(false);
            }

            Interlocked.Increment(ref _completedRequests);
            return new GenerationResult(collected?.ToString(), generation.FinishReason!.Value, generation.PromptTokenCount,
                generation.GeneratedIds.Count, generation.CachedPromptTokens);
        }
        finally
        {
            output?.TryComplete();
        }
    }

    private void RecordTimeToFirstToken(long started, bool warmUp)
    {
        if (!BitNetTelemetry.TimeToFirstToken.Enabled) return;
        BitNetTelemetry.TimeToFirstToken.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("bitnet.warm", Volatile.Read(ref _completedRequests) > 0),
            new KeyValuePair<string, object?>(BitNetTelemetry.WarmUpTagName, warmUp));
    }

    /// <summary>
    /// The prompt's token ids. Under <see cref="ContextOverflowPolicy.Error"/> checks, before waiting for a session, that
    /// the prompt and an explicit output limit fit in the context (nothing is ever truncated under that policy).
    /// </summary>
    private int[] Tokenize(ChatPrompt prompt, GenerationOptions options)
    {
        var tokenizer = Model.Tokenizer;
        var ids = prompt.ToIds(tokenizer);
        if (ids.Length == 0) ids = [tokenizer.BosId];
        if (options.ContextOverflow != ContextOverflowPolicy.Error) return ids;

        var context = Model.ContextLength;
        var remedy = "Shorten the conversation, set BitNetChatClientOptions.ContextOverflowPolicy to SlidingWindow, or raise " +
                     $"BitNetChatClientOptions.ContextLength (this model allows up to {Model.Config.ContextLength}).";
        // The prompt may fill the context exactly: the last generated token is never evaluated.
        if (ids.Length > context)
        {
            throw new ContextLengthExceededException(ids.Length, context,
                $"The prompt rendered from the chat messages has {ids.Length} tokens, more than the {context}-token context; " +
                $"nothing is truncated. {remedy}");
        }

        if (options.MaxTokens is { } maxTokens && ids.Length + maxTokens - 1 > context)
        {
            throw new ContextLengthExceededException(ids.Length + maxTokens - 1, context,
                $"The prompt rendered from the chat messages has {ids.Length} tokens and MaxOutputTokens is {maxTokens}: " +
                $"{ids.Length} + {maxTokens} - 1 (the last token is never evaluated) exceeds the {context}-token context. " +
                $"Lower MaxOutputTokens to at most {context - ids.Length + 1}, or: {remedy}");
        }

        return ids;
    }

    /// <summary>Waits for a free slot and rents the idle session that holds the longest prefix of the prompt.</summary>
    private async ValueTask<SessionLease> AcquireSessionAsync(int[] promptIds, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (Volatile.Read(ref _disposed) != 0)
        {
            _slots.Release();
            Throw.IfDisposed(true, this);
        }

        InferenceSession session;
        try
        {
            session = _sessions.Rent(promptIds);
        }
        catch
        {
            _slots.Release();
            throw;
        }

        return new SessionLease(this, session);
    }

    /// <summary>Takes a session back from a lease: keeps it (with its cache) for reuse and frees the slot.</summary>
    internal void Return(InferenceSession session)
    {
        _sessions.Return(session);
        _slots.Release();
    }

    private static BitNetChatClientOptions Validated(BitNetChatClientOptions options)
    {
        BitNetChatClientOptionsValidator.ThrowIfInvalid(options, nameof(options));
        return options;
    }

    /// <summary>
    /// Cancels running requests, waits until they have returned their sessions, and disposes the model if this runtime
    /// loaded it. Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping.Cancel();
        // Running requests stop at their next token and hand back their slots; waiting requests are cancelled.
        for (var i = 0; i < MaxConcurrentRequests; i++) _slots.Wait();
        _sessions.Dispose();
        if (_ownsModel) Model.Dispose();
        _slots.Dispose();
        _stopping.Dispose();
        Log.RuntimeDisposed(_logger, Model.ModelId);
    }
}
