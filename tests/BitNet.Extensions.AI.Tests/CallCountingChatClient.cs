using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>
/// Middleware that counts the requests reaching the layer below it and keeps the options of the last one, so that a
/// test can tell whether an outer layer (a cache) answered by itself and what an outer layer (tool invocation, Semantic
/// Kernel) passed on.
/// </summary>
internal sealed class CallCountingChatClient(IChatClient innerClient) : DelegatingChatClient(innerClient)
{
    private readonly List<(ChatMessage[] Messages, ChatOptions? Options)> _requests = [];
    private int _callCount;

    public int CallCount => Volatile.Read(ref _callCount);

    public ChatOptions? LastOptions { get; private set; }

    /// <summary>Every request that reached the layer below, in order: its messages (copied) and options.</summary>
    public IReadOnlyList<(ChatMessage[] Messages, ChatOptions? Options)> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        Record(messages, options);
        return base.GetResponseAsync(messages, options, cancellationToken);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Record(messages, options);
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            yield return update;
    }

    private void Record(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        lock (_requests) _requests.Add(([.. messages], options));
        Interlocked.Increment(ref _callCount);
        LastOptions = options;
    }
}

/// <summary>Adds a <see cref="CallCountingChatClient"/> to a pipeline.</summary>
internal static class CallCountingChatClientBuilderExtensions
{
    public static ChatClientBuilder UseCallCounting(this ChatClientBuilder builder) =>
        builder.Use(static inner => new CallCountingChatClient(inner));
}
