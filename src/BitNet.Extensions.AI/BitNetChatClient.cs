using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using BitNet.Extensions.AI.Tools;
using BitNet.Runtime;
using BitNet.Runtime.Chat;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Tokenization;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI;

/// <summary>
/// An <see cref="IChatClient"/> that runs a BitNet b1.58 model locally on the CPU. It only translates: chat messages
/// become a story prompt, <see cref="ChatOptions"/> become generation options, and generated tokens become a
/// <see cref="ChatResponse"/> or a stream of <see cref="ChatResponseUpdate"/>s. Logging, telemetry, caching and tool
/// invocation are middleware (<see cref="ChatClientBuilder"/>).
/// </summary>
/// <remarks>
/// <para>
/// <b>Prompt.</b> A model with a chat format (<see cref="ChatTemplate"/>: BitNet b1.58 2B4T's <c>Role: content&lt;|eot_id|&gt;</c>
/// turns, or Llama 3's headers, chosen from the model's metadata) gets the messages rendered in that format, one turn per
/// message with <see cref="ChatOptions.Instructions"/> as a first system turn, ending with the assistant's turn; its
/// end-of-turn tokens end the answer. The shipped model writes children's stories; it is not an assistant. The conversation is rendered as
/// one story to continue: system messages and <see cref="ChatOptions.Instructions"/> are left out, the user and assistant
/// messages are joined in order (the first user message is the beginning of the story, a later one continues it), and
/// the response is the model's continuation. Function calls and results in the history are written as JSON text (see
/// <b>Tools</b>); other non-text content raises <see cref="NotSupportedException"/>.
/// </para>
/// <para>
/// <b>Context.</b> With <see cref="BitNetChatClientOptions.ContextOverflowPolicy"/>
/// <see cref="ContextOverflowPolicy.Error"/> (the default), a prompt that does not fit in the context, or a prompt plus
/// <see cref="ChatOptions.MaxOutputTokens"/> that does not (the last output token is never evaluated, so they may
/// exceed it by one), raises <see cref="ContextLengthExceededException"/> naming the token counts before anything is
/// generated; nothing is truncated. Without an output limit the answer runs to the end of the context and finishes with
/// <see cref="ChatFinishReason.Length"/>. With <see cref="ContextOverflowPolicy.SlidingWindow"/>, long prompts and
/// long outputs are accepted: the beginning of the story (<see cref="BitNetChatClientOptions.SlidingWindowSinkTokens"/>)
/// and the most recent tokens are kept and the middle is dropped.
/// </para>
/// <para>
/// <b>Prefix reuse.</b> A request whose prompt begins like an earlier one (the next turn of a conversation: the history
/// followed by a new message) reuses that request's KV cache and evaluates only the new tokens, which shortens the time
/// to the first token; the answer is exactly the same. Matching is by token ids; <see cref="ChatOptions.ConversationId"/>
/// is not used. See <see cref="BitNetRuntime"/>.
/// </para>
/// <para>
/// <b>Options honoured.</b> <see cref="ChatOptions.Temperature"/> (0 = greedy), <see cref="ChatOptions.TopP"/>,
/// <see cref="ChatOptions.TopK"/>, <see cref="ChatOptions.Seed"/> (same seed, options and prompt give the same text; no
/// seed gives varying text), <see cref="ChatOptions.MaxOutputTokens"/> (default: the rest of the context),
/// <see cref="ChatOptions.StopSequences"/> (matched in the text, across token boundaries; the stop string is never
/// returned, not even in part while streaming), <see cref="ChatOptions.FrequencyPenalty"/> and
/// <see cref="ChatOptions.PresencePenalty"/> (OpenAI semantics: a token's logit is lowered by count · frequency +
/// presence once it has been generated in this response), and the additional properties <see cref="MinPPropertyName"/>,
/// <see cref="TopNSigmaPropertyName"/>, <see cref="MinKeepPropertyName"/>, <see cref="RepetitionPenaltyPropertyName"/> and
/// <see cref="RepetitionPenaltyWindowPropertyName"/>. Unset values come from <see cref="BitNetChatClientOptions"/>, whose
/// defaults are the adaptive sampler (<see cref="Runtime.Sampling.SamplingOptions.Adaptive"/>); its penalties apply only
/// to requests that sample, so <see cref="ChatOptions.Temperature"/> 0 is the model's argmax unless the request asks for
/// a penalty. The exact definitions are in <see cref="Runtime.Sampling.Sampler"/>. An out-of-range value raises
/// <see cref="ArgumentOutOfRangeException"/> naming the option. <see cref="ChatOptions.RawRepresentationFactory"/> may return
/// the engine's own <see cref="Runtime.Generation.GenerationOptions"/> (a new instance per call): those native options win,
/// and the <see cref="ChatOptions"/> fill only what they leave unset (their output limit, empty stop sequences, seed and
/// constraint); any other object it returns is ignored.
/// </para>
/// <para>
/// <b>JSON.</b> <see cref="ChatOptions.ResponseFormat"/> <see cref="ChatResponseFormat.Json"/> makes the answer a JSON
/// object, and a JSON-schema format a value that validates against the schema, by constrained decoding
/// (<see cref="BitNet.Runtime.Constraints.JsonGrammar"/>: tokens the grammar does not allow are masked before sampling,
/// and the value is always closed before the token limit). Chat-format models also get the schema in the system
/// instructions; story models do not. A schema keyword the grammar cannot enforce raises <see cref="NotSupportedException"/>.
/// </para>
/// <para>
/// <b>Tools.</b> The functions of <see cref="ChatOptions.Tools"/> are called in the Llama 3 / 2B4T JSON convention,
/// <c>{"name": …, "arguments": {…}}</c>, one call per answer; chat-format models get them described in the system
/// instructions. <see cref="ChatToolMode.RequireAny"/> and <see cref="ChatToolMode.RequireSpecific"/> constrain the answer
/// to a call (of that function) whose arguments match the function's schema; auto (the default) lets the answer be
/// text or such a call, decided by its first character; <see cref="ChatToolMode.None"/> never calls. A call comes back
/// as a <see cref="FunctionCallContent"/> (a new <c>call_…</c> id) with <see cref="ChatFinishReason.ToolCalls"/>, in a
/// stream as one whole update at the end. The client never invokes functions: <c>UseFunctionInvocation()</c> does, and
/// the <see cref="FunctionCallContent"/> and <see cref="FunctionResultContent"/> it adds to the history are rendered.
/// A required call with no matching function raises <see cref="ArgumentException"/>.
/// </para>
/// <para>
/// <b>Options rejected</b> with <see cref="NotSupportedException"/>, because ignoring them would silently change the
/// answer: a JSON schema with a keyword the grammar cannot enforce (<c>pattern</c>, <c>minimum</c>, <c>format</c>, <c>$ref</c>…; the
/// message names it).
/// <b>Options ignored:</b> <see cref="ChatOptions.ModelId"/> (there is one model per client; responses report the
/// actual one), <see cref="ChatOptions.Instructions"/> (for story models; chat formats render them), tools that are not
/// <see cref="AIFunctionDeclaration"/>s (hosted tools), <see cref="ChatOptions.AllowMultipleToolCalls"/> (an answer holds at most one call),
/// <see cref="ChatOptions.ConversationId"/> (every request carries its whole history; the KV cache is matched by token
/// prefix, so responses leave it null and callers keep resending the history),
/// reasoning, background-response and continuation settings, and
/// unknown additional properties. The <see cref="ChatOptions"/> passed in are never modified.
/// </para>
/// <para>
/// <b>Responses.</b> One assistant message with one <see cref="TextContent"/>; <see cref="ChatResponse.ResponseId"/> and
/// <see cref="ChatMessage.MessageId"/> are the same new <c>bitnet-…</c> id; <see cref="ChatResponse.ModelId"/>,
/// <see cref="ChatResponse.CreatedAt"/> (request start), <see cref="ChatResponse.FinishReason"/>
/// (<see cref="ChatFinishReason.Stop"/> at end of sequence or a stop sequence, <see cref="ChatFinishReason.Length"/> at
/// the token limit or a full context) and <see cref="ChatResponse.Usage"/> (input tokens including the
/// beginning-of-sequence token, output tokens including a final end-of-sequence token, their total, and the input
/// tokens served from a retained KV cache in <see cref="UsageDetails.CachedInputTokenCount"/>). A
/// stream yields one update per token that produced text, then a last update with no text that carries the finish reason
/// and the one <see cref="UsageContent"/>; every update has the same response id, message id, role
/// (<see cref="ChatRole.Assistant"/>), model id and creation time.
/// </para>
/// <para>
/// <b>Threads and cancellation.</b> All members are thread-safe; concurrent requests run on separate sessions of the
/// shared <see cref="BitNetRuntime"/> (see its remarks for how many run at once). Generation runs on a worker, never on
/// the caller's thread. The cancellation token is checked between prompt tokens and between generated tokens, and
/// cancellation raises <see cref="OperationCanceledException"/>. Leaving a stream early (break, dispose) stops
/// generation and frees the session before the enumerator's disposal completes.
/// </para>
/// <para>
/// <b>Disposal.</b> A client built around a runtime does not dispose it; a client that loaded its own runtime
/// (<see cref="BitNetChatClient(BitNetChatClientOptions)"/>) disposes it. <see cref="Dispose"/> may be called more than
/// once; every other member then throws <see cref="ObjectDisposedException"/>.
/// </para>
/// </remarks>
public sealed class BitNetChatClient : IChatClient
{
    /// <summary>
    /// The <see cref="ChatOptions.AdditionalProperties"/> key for min-p: keep only tokens whose probability is at least
    /// this fraction of the most probable one. A number in [0, 1) (a float, double, decimal, integer, invariant-culture
    /// string or JSON number); 0 disables the filter.
    /// </summary>
    public const string MinPPropertyName = "min_p";

    /// <summary>
    /// The <see cref="ChatOptions.AdditionalProperties"/> key for top-nσ: keep only tokens whose logit is within this many
    /// standard deviations (of the top-k candidates' logits, before temperature) of the largest. A number &gt;= 0; 0
    /// disables the filter. Default: <see cref="BitNetChatClientOptions.TopNSigma"/>.
    /// </summary>
    public const string TopNSigmaPropertyName = "top_n_sigma";

    /// <summary>
    /// The <see cref="ChatOptions.AdditionalProperties"/> key for the fewest tokens top-p keeps: a whole number from 1 to
    /// 256. Default: <see cref="BitNetChatClientOptions.MinKeep"/>.
    /// </summary>
    public const string MinKeepPropertyName = "min_keep";

    /// <summary>
    /// The <see cref="ChatOptions.AdditionalProperties"/> key for the repetition penalty (CTRL, as in llama.cpp): tokens
    /// among the most recent ones, prompt included, have positive logits divided by it and negative ones multiplied. A
    /// number &gt; 0; 1 disables it. Default: <see cref="BitNetChatClientOptions.RepetitionPenalty"/> when the request
    /// samples, none when it is greedy.
    /// </summary>
    public const string RepetitionPenaltyPropertyName = "repetition_penalty";

    /// <summary>
    /// The <see cref="ChatOptions.AdditionalProperties"/> key for how many recent tokens the repetition penalty looks at:
    /// a whole number from 1 to 131072. Default: <see cref="BitNetChatClientOptions.RepetitionPenaltyWindow"/>.
    /// </summary>
    public const string RepetitionPenaltyWindowPropertyName = "repetition_penalty_window";

    /// <summary>The <see cref="ChatClientMetadata.ProviderName"/> this client reports.</summary>
    public const string ProviderName = "bitnet";

    private readonly BitNetRuntime _runtime;
    private readonly bool _ownsRuntime;
    private readonly BitNetChatClientOptions _options;
    private readonly string _modelId;
    private readonly ChatClientMetadata _metadata;
    private readonly ChatTemplate? _chatTemplate;
    private int _disposed;

    /// <summary>Creates a client that runs on <paramref name="runtime"/>, which it does not dispose.</summary>
    /// <param name="runtime">The loaded model and its sessions, typically shared with other clients.</param>
    /// <param name="options">
    /// The request defaults and the reported <see cref="BitNetChatClientOptions.ModelId"/>; null uses the defaults. The
    /// loading settings (model path, activation quantization, context length, concurrency) belong to the runtime and are
    /// not read here. The options are copied, so later changes do not affect the client.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="runtime"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range (the message names it, its value and the allowed range).</exception>
    public BitNetChatClient(BitNetRuntime runtime, BitNetChatClientOptions? options = null)
        : this(Throw.IfNull(runtime), ownsRuntime: false, CopyValidated(options))
    {
    }

    /// <summary>
    /// Loads the model that <paramref name="options"/> describe (<see cref="BitNetChatClientOptions.ModelPath"/> null
    /// loads the shipped default model) and creates a client that owns it: disposing the client disposes the model.
    /// </summary>
    /// <param name="options">Every setting: loading, concurrency and request defaults. Copied; later changes have no effect.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range (the message names it, its value and the allowed range).</exception>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    public BitNetChatClient(BitNetChatClientOptions options)
        : this(BitNetRuntime.Load(CopyValidated(Throw.IfNull(options))), ownsRuntime: true, options.Clone())
    {
    }

    private BitNetChatClient(BitNetRuntime runtime, bool ownsRuntime, BitNetChatClientOptions options)
    {
        var halfContext = runtime.Model.ContextLength / 2;
        if (options.SlidingWindowSinkTokens > halfContext)
        {
            if (ownsRuntime) runtime.Dispose();
            throw new ArgumentOutOfRangeException(nameof(options), options.SlidingWindowSinkTokens, string.Create(CultureInfo.InvariantCulture,
                $"{nameof(BitNetChatClientOptions)}.{nameof(BitNetChatClientOptions.SlidingWindowSinkTokens)} is {options.SlidingWindowSinkTokens}; " +
                $"allowed: 0 to {halfContext} (half the {runtime.Model.ContextLength}-token context), or null for the first message."));
        }

        _runtime = runtime;
        _ownsRuntime = ownsRuntime;
        _options = options;
        _modelId = options.ModelId ?? runtime.Model.ModelId;
        _metadata = new ChatClientMetadata(ProviderName, providerUri: null, defaultModelId: _modelId);
        _chatTemplate = ChatTemplate.FromGguf(runtime.Model.File, runtime.Model.Tokenizer);
    }

    /// <summary>
    /// The chat format prompts are rendered in (chosen from the model's metadata by <see cref="ChatTemplate.FromGguf"/>),
    /// or null for a story model such as the shipped one, whose prompt is the story so far.
    /// </summary>
    public ChatTemplate? ChatTemplate => _chatTemplate;

    /// <summary>The runtime this client generates on.</summary>
    public BitNetRuntime Runtime => _runtime;

    /// <summary>The model id reported in responses and metadata.</summary>
    public string ModelId => _modelId;

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="NotSupportedException">A message holds non-text content, or an option asks for something unsupported.</exception>
    /// <exception cref="ContextLengthExceededException">Under <see cref="ContextOverflowPolicy.Error"/>: the rendered prompt, or it plus <see cref="ChatOptions.MaxOutputTokens"/>, does not fit in the context (from the returned task).</exception>
    /// <exception cref="ObjectDisposedException">The client or its runtime is disposed.</exception>
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var (prompt, generationOptions, functions) = PrepareRequest(messages, options);
        return GetResponseCoreAsync(prompt, generationOptions, functions, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="NotSupportedException">A message holds non-text content, or an option asks for something unsupported.</exception>
    /// <exception cref="ContextLengthExceededException">Under <see cref="ContextOverflowPolicy.Error"/>: the rendered prompt, or it plus <see cref="ChatOptions.MaxOutputTokens"/>, does not fit in the context (while enumerating).</exception>
    /// <exception cref="ObjectDisposedException">The client or its runtime is disposed.</exception>
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var (prompt, generationOptions, functions) = PrepareRequest(messages, options);
        return GetStreamingResponseCoreAsync(prompt, generationOptions, functions, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Answers, for a null <paramref name="serviceKey"/>: <see cref="ChatClientMetadata"/> (provider
    /// <see cref="ProviderName"/>, no URI, the model id); <see cref="BitNetRuntime"/>; <see cref="BitNetModel"/>;
    /// <see cref="BitNetTokenizer"/>; and this client for any type it is assignable to. Anything else, or any non-null
    /// key, gives null.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The client is disposed.</exception>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        Throw.IfNull(serviceType);
        ThrowIfDisposed();
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType == typeof(BitNetRuntime)) return _runtime;
        if (serviceType == typeof(BitNetModel)) return _runtime.Model;
        if (serviceType == typeof(BitNetTokenizer)) return _runtime.Model.Tokenizer;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Disposes the runtime if this client loaded it. Later calls do nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_ownsRuntime) _runtime.Dispose();
    }

    private (ChatPrompt Prompt, GenerationOptions Options, IReadOnlyList<AIFunctionDeclaration> Functions) PrepareRequest(
        IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        Throw.IfNull(messages);
        ThrowIfDisposed();
        var functions = ToolCallFormat.CallableFunctions(options);
        // Both only read their inputs; the messages are enumerated exactly once. A model with a chat format gets its
        // conversation rendered in that format; a story model gets the story so far.
        ChatPrompt prompt;
        if (_chatTemplate is not null)
        {
            var instructions = ResponseFormatInstructions.Append(options?.Instructions, options?.ResponseFormat);
            if (functions.Count > 0)
            {
                var tools = ToolCallFormat.Describe(functions, required: options?.ToolMode is RequiredChatToolMode);
                instructions = string.IsNullOrWhiteSpace(instructions) ? tools : instructions + "\n\n" + tools;
            }

            prompt = ChatPrompt.FromConversation(ChatTurnConverter.Convert(messages, instructions), _chatTemplate);
        }
        else
        {
            var story = StoryPromptFormatter.Format(messages, out var firstMessageLength);
            prompt = ChatPrompt.FromStory(story, firstMessageLength);
        }
        var generationOptions = ChatOptionsTranslator.ToGenerationOptions(options, _options, this);
        if (generationOptions is { ContextOverflow: ContextOverflowPolicy.SlidingWindow, SinkTokens: null })
        {
            // The sink is the beginning of the conversation: the first message (or turn) and the beginning-of-sequence token.
            var model = _runtime.Model;
            var firstMessageTokens = prompt.CountFirstMessageTokens(model.Tokenizer);
            generationOptions = generationOptions with { SinkTokens = Math.Min(Math.Max(firstMessageTokens, 1), model.ContextLength / 2) };
        }

        return (prompt, generationOptions, functions);
    }

    /// <summary>
    /// Runs <paramref name="text"/> as a greedy user request of at most <paramref name="maxTokens"/> tokens through the
    /// same path as a real request (formatting, tokenization, prefill, decode), recorded as warm-up in the telemetry.
    /// </summary>
    internal async Task WarmUpAsync(string text, int maxTokens, CancellationToken cancellationToken)
    {
        var (prompt, generationOptions, _) = PrepareRequest([new ChatMessage(ChatRole.User, text)],
                                                         new ChatOptions { Temperature = 0, MaxOutputTokens = maxTokens });
        await _runtime.GenerateAsync(prompt, generationOptions, output: null, cancellationToken, warmUp: true).ConfigureAwait(false);
    }

    private async Task<ChatResponse> GetResponseCoreAsync(ChatPrompt prompt, GenerationOptions options,
        IReadOnlyList<AIFunctionDeclaration> functions, CancellationToken cancellationToken)
    {
        var id = NewResponseId();
        var createdAt = DateTimeOffset.UtcNow;
        var result = await _runtime.GenerateAsync(prompt, options, output: null, cancellationToken).ConfigureAwait(false);
        var call = ToolCallFormat.TryParse(result.Text ?? "", functions);

        var message = new ChatMessage(ChatRole.Assistant, call is null ? [new TextContent(result.Text)] : [call])
        {
            MessageId = id,
            CreatedAt = createdAt,
        };
        return new ChatResponse(message)
        {
            ResponseId = id,
            ModelId = _modelId,
            CreatedAt = createdAt,
            FinishReason = call is null ? ToFinishReason(result.FinishReason) : ChatFinishReason.ToolCalls,
            Usage = ToUsage(result),
        };
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseCoreAsync(ChatPrompt prompt, GenerationOptions options,
        IReadOnlyList<AIFunctionDeclaration> functions, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // With callable functions, text that starts with '{' may be a call: it is held back and sent, whole, at the end.
        var held = new StringBuilder();
        var holding = functions.Count > 0;
        var id = NewResponseId();
        var createdAt = DateTimeOffset.UtcNow;
        var channel = BitNetRuntime.CreateStreamChannel();
        // Cancelled when the consumer stops early, so that the worker stops too.
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var worker = _runtime.GenerateAsync(prompt, options, channel.Writer, abandon.Token);
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var text))
                {
                    // Text may already be buffered: check between tokens even when no wait happens.
                    cancellationToken.ThrowIfCancellationRequested();
                    if (holding)
                    {
                        held.Append(text);
                        var first = FirstNonWhitespace(held);
                        if (first is null || first == '{') continue;
                        holding = false;
                        text = held.ToString();
                        held.Clear();
                    }

                    yield return NewUpdate(id, createdAt, [new TextContent(text)]);
                }
            }

            // The channel is complete: the worker has finished, and its errors surface here.
            var result = await worker.ConfigureAwait(false);
            var heldText = held.Length > 0 ? held.ToString() : null;
            var call = heldText is null ? null : ToolCallFormat.TryParse(heldText, functions);
            if (call is null && heldText is not null) yield return NewUpdate(id, createdAt, [new TextContent(heldText)]);
            var last = NewUpdate(id, createdAt, call is null ? [new UsageContent(ToUsage(result))] : [call, new UsageContent(ToUsage(result))]);
            last.FinishReason = call is null ? ToFinishReason(result.FinishReason) : ChatFinishReason.ToolCalls;
            yield return last;
        }
        finally
        {
            // Stop the worker (no-op when it has finished) and wait until it has returned its session.
            await abandon.CancelAsync().ConfigureAwait(false);
            await ((Task)worker).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static char? FirstNonWhitespace(StringBuilder text)
    {
        for (var i = 0; i < text.Length; i++)
            if (!char.IsWhiteSpace(text[i])) return text[i];
        return null;
    }

    private ChatResponseUpdate NewUpdate(string id, DateTimeOffset createdAt, IList<AIContent> contents) =>
        new(ChatRole.Assistant, contents)
        {
            ResponseId = id,
            MessageId = id,
            ModelId = _modelId,
            CreatedAt = createdAt,
        };

    private static ChatFinishReason ToFinishReason(GenerationFinishReason reason) => reason switch
    {
        GenerationFinishReason.EndOfSequence or GenerationFinishReason.StopSequence => ChatFinishReason.Stop,
        GenerationFinishReason.MaxTokens or GenerationFinishReason.ContextFull => ChatFinishReason.Length,
        _ => throw new InvalidOperationException($"Unknown finish reason {reason}."),
    };

    private static UsageDetails ToUsage(GenerationResult result) => new()
    {
        InputTokenCount = result.InputTokenCount,
        OutputTokenCount = result.OutputTokenCount,
        TotalTokenCount = result.InputTokenCount + result.OutputTokenCount,
        CachedInputTokenCount = result.CachedInputTokenCount,
    };

    private static string NewResponseId() => "bitnet-" + Guid.NewGuid().ToString("N");

    private static BitNetChatClientOptions CopyValidated(BitNetChatClientOptions? options)
    {
        var copy = options?.Clone() ?? new BitNetChatClientOptions();
        BitNetChatClientOptionsValidator.ThrowIfInvalid(copy, nameof(options));
        return copy;
    }

    private void ThrowIfDisposed() => Throw.IfDisposed(Volatile.Read(ref _disposed) != 0, this);
}
