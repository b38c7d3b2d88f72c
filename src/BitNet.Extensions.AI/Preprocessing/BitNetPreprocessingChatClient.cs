using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitNet.Extensions.AI;

/// <summary>
/// Middleware that cleans the text of a request before the inner client sees it (<see cref="BitNetTextPreprocessor"/>:
/// invisible format and control characters removed, whitespace and Unicode normalized, emoji runs handled, as
/// <see cref="BitNetPreprocessingOptions"/> configure). Added with <c>ChatClientBuilder.UseBitNetPreprocessing()</c>,
/// and by <c>AddBitNetChatClient</c> as the outermost layer of the pipeline.
/// </summary>
/// <remarks>
/// <para>
/// Only text is rewritten: the <see cref="TextContent"/> items of user, system and other messages (assistant messages
/// only with <see cref="BitNetPreprocessingOptions.PreprocessAssistantMessages"/>), and
/// <see cref="ChatOptions.Instructions"/>. A message's text items are processed as one text, so whitespace is collapsed
/// across them and the message is trimmed as a whole. Other content, message properties (role, author, id,
/// additional properties, raw representation) and text-item properties are kept.
/// </para>
/// <para>
/// The caller's objects are never modified: a message whose text changes is replaced by a copy in the list passed on
/// (unchanged messages are passed as they are), and changed <see cref="ChatOptions"/> are a clone. The messages are
/// enumerated once. Responses, streamed or not, pass through untouched. The work is linear in the length of the text
/// and happens once per request, before the inner client is called.
/// </para>
/// </remarks>
public sealed class BitNetPreprocessingChatClient : DelegatingChatClient
{
    private readonly BitNetPreprocessingOptions _options;
    private readonly BitNetTextPreprocessor _preprocessor;

    /// <summary>Creates the middleware around <paramref name="innerClient"/>.</summary>
    /// <param name="innerClient">The client that receives the preprocessed requests.</param>
    /// <param name="options">The steps to run (copied; null: the defaults).</param>
    /// <param name="logger">Receives a warning when Unicode normalization is configured but unavailable (invariant globalization); null for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range (the message names it, its value and the allowed range).</exception>
    public BitNetPreprocessingChatClient(IChatClient innerClient, BitNetPreprocessingOptions? options = null, ILogger? logger = null)
        : base(innerClient)
    {
        _options = options?.Clone() ?? new BitNetPreprocessingOptions();
        _preprocessor = new BitNetTextPreprocessor(_options);
        if (_options.Enabled && _options.UnicodeNormalization is { } form && !BitNetTextPreprocessor.NormalizationAvailable)
            Log.NormalizationUnavailable(logger ?? NullLogger.Instance, form.ToString());
    }

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
                                                        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return base.GetResponseAsync(Preprocess(messages), Preprocess(options), cancellationToken);
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
                                                                                  CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return base.GetStreamingResponseAsync(Preprocess(messages), Preprocess(options), cancellationToken);
    }

    private IEnumerable<ChatMessage> Preprocess(IEnumerable<ChatMessage> messages)
    {
        if (!_options.Enabled) return messages;
        var result = new List<ChatMessage>();
        foreach (var message in messages)
            result.Add(message is null || (message.Role == ChatRole.Assistant && !_options.PreprocessAssistantMessages) ? message! : Preprocess(message));
        return result;
    }

    private ChatMessage Preprocess(ChatMessage message)
    {
        var contents = message.Contents;
        var texts = new List<string>();
        foreach (var content in contents)
            if (content is TextContent text) texts.Add(text.Text);
        if (texts.Count == 0) return message;

        var processed = _preprocessor.ProcessParts(texts);
        var changed = false;
        for (var i = 0; i < texts.Count && !changed; i++) changed = !ReferenceEquals(processed[i], texts[i]);
        if (!changed) return message;

        var copy = message.Clone();
        var newContents = new List<AIContent>(contents.Count);
        var next = 0;
        foreach (var content in contents)
        {
            if (content is not TextContent text)
            {
                newContents.Add(content);
                continue;
            }
            var newText = processed[next++];
            newContents.Add(ReferenceEquals(newText, text.Text) ? text : new TextContent(newText)
            {
                Annotations = text.Annotations,
                AdditionalProperties = text.AdditionalProperties,
                RawRepresentation = text.RawRepresentation,
            });
        }
        copy.Contents = newContents;
        return copy;
    }

    private ChatOptions? Preprocess(ChatOptions? options)
    {
        if (!_options.Enabled || options?.Instructions is not { } instructions) return options;
        var processed = _preprocessor.Process(instructions);
        if (ReferenceEquals(processed, instructions)) return options;
        var copy = options.Clone();
        copy.Instructions = processed;
        return copy;
    }
}
