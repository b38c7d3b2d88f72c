using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using BitNet.Runtime;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitNet.Extensions.AI;

/// <summary>
/// A loaded <see cref="BitNetModel"/> and the machinery that runs requests on it: a pool of inference sessions
/// (one KV cache each) and a limit on how many requests generate at once. One runtime is meant to be shared by every
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
    private readonly ConcurrentBag<InferenceSession> _idleSessions = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _ownsModel;
    private readonly ILogger _logger;
    private int _disposed;

    /// <summary>Creates a runtime around a model that is already loaded. The runtime does not dispose the model.</summary>
    /// <param name="model">The model to run.</param>
    /// <param name="maxConcurrentRequests">The most requests that generate at the same time; at least 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxConcurrentRequests"/> is below 1.</exception>
    public BitNetRuntime(BitNetModel model, int maxConcurrentRequests = 1)
        : this(Throw.IfNull(model), Throw.IfLessThan(maxConcurrentRequests, 1), ownsModel: false, NullLogger.Instance)
    {
    }

    private BitNetRuntime(BitNetModel model, int maxConcurrentRequests, bool ownsModel, ILogger logger)
    {
        Model = model;
        MaxConcurrentRequests = maxConcurrentRequests;
        _slots = new SemaphoreSlim(maxConcurrentRequests, maxConcurrentRequests);
        _ownsModel = ownsModel;
        _logger = logger;
    }

    /// <summary>The model every request runs on.</summary>
    public BitNetModel Model { get; }

    /// <summary>The most requests that generate at the same time.</summary>
    public int MaxConcurrentRequests { get; }

    /// <summary>
    /// Loads the model that <paramref name="options"/> describe (<see cref="BitNetChatClientOptions.ModelPath"/>,
    /// <see cref="BitNetChatClientOptions.ActivationQuantization"/>, <see cref="BitNetChatClientOptions.ContextLength"/>,
    /// <see cref="BitNetChatClientOptions.MaxConcurrentRequests"/>; the sampling defaults are not used here) and returns
    /// a runtime that owns it.
    /// </summary>
    /// <param name="options">The settings; null loads the shipped default model with default settings.</param>
    /// <param name="logger">Receives a message when the model is loaded (or fails to load); null logs nothing.</param>
    /// <exception cref="ArgumentException">An option is out of range (the message names it, its value and the allowed range).</exception>
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
            ContextLength = options.ContextLength,
            KvCache = options.KvCache,
        };
        var clock = Stopwatch.StartNew();
        BitNetModel model;
        try
        {
            model = BitNetModel.Load(modelOptions);
        }
        catch (Exception e)
        {
            Log.ModelLoadFailed(logger, string.IsNullOrWhiteSpace(options.ModelPath) ? DefaultModel.Path : options.ModelPath, e);
            throw;
        }

        Log.ModelLoaded(logger, model.ModelId, model.ModelPath, clock.ElapsedMilliseconds, model.ContextLength,
            model.Options.ActivationQuantization.ToString(), options.MaxConcurrentRequests);
        return new BitNetRuntime(model, options.MaxConcurrentRequests, ownsModel: true, logger);
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
    internal Task<GenerationResult> GenerateAsync(string prompt, GenerationOptions options, ChannelWriter<string>? output,
        CancellationToken cancellationToken)
    {
        Throw.IfDisposed(Volatile.Read(ref _disposed) != 0, this);
        // One work item per request; CancellationToken.None so that the delegate always runs and completes the channel.
        return Task.Run(() => GenerateCoreAsync(prompt, options, output, cancellationToken), CancellationToken.None);
    }

    /// <summary>Creates the bounded channel a streaming request hands its text through.</summary>
    internal static Channel<string> CreateStreamChannel() =>
        Channel.CreateBounded<string>(new BoundedChannelOptions(StreamBufferTokens)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    private async Task<GenerationResult> GenerateCoreAsync(string prompt, GenerationOptions options, ChannelWriter<string>? output,
        CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var token = linked.Token;
        try
        {
            var promptIds = Tokenize(prompt);
            using var lease = await AcquireSessionAsync(token).ConfigureAwait(false);
            var generation = new TextGeneration(Model, promptIds, options, lease.Session);
            var collected = output is null ? new StringBuilder() : null;
            foreach (var piece in generation.Run(token))
            {
                if (piece.Text.Length == 0) continue;
                if (collected is not null) collected.Append(piece.Text);
                else if (!output!.TryWrite(piece.Text)) await output.WriteAsync(piece.Text, token).ConfigureAwait(false);
            }

            return new GenerationResult(collected?.ToString(), generation.FinishReason!.Value, generation.PromptTokenCount,
                generation.GeneratedIds.Count);
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
        finally
        {
            output?.TryComplete();
        }
    }

    /// <summary>The prompt's token ids; checks that they fit in the context (nothing is ever truncated).</summary>
    private int[] Tokenize(string prompt)
    {
        var tokenizer = Model.Tokenizer;
        var ids = tokenizer.Encode(prompt);
        if (ids.Length == 0) ids = [tokenizer.BosId];
        // The prompt may fill the context exactly: the last generated token is never evaluated.
        if (ids.Length > Model.ContextLength)
        {
            throw new ContextLengthExceededException(ids.Length, Model.ContextLength,
                $"The prompt rendered from the chat messages has {ids.Length} tokens, more than the {Model.ContextLength}-token context; " +
                "nothing is truncated. Shorten the conversation, or raise BitNetChatClientOptions.ContextLength " +
                $"(this model allows up to {Model.Config.ContextLength}).");
        }

        return ids;
    }

    /// <summary>Waits for a free slot and rents an empty session.</summary>
    private async ValueTask<SessionLease> AcquireSessionAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (Volatile.Read(ref _disposed) != 0)
        {
            _slots.Release();
            Throw.IfDisposed(true, this);
        }

        var session = _idleSessions.TryTake(out var idle) ? idle : Model.CreateSession();
        return new SessionLease(this, session);
    }

    /// <summary>Takes a session back from a lease: empties it and frees the slot.</summary>
    internal void Return(InferenceSession session)
    {
        session.Rewind();
        _idleSessions.Add(session);
        _slots.Release();
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
        while (_idleSessions.TryTake(out var session)) session.Dispose();
        if (_ownsModel) Model.Dispose();
        _slots.Dispose();
        _stopping.Dispose();
        Log.RuntimeDisposed(_logger, Model.ModelId);
    }
}
