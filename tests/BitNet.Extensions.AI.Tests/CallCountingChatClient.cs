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
    private int _callCount;

    public int CallCount => Volatile.Read(ref _callCount);

    public ChatOptions? LastOptions { get; private set; }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        Record(options);
        return base.GetResponseAsync(messages, options, cancellationToken);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Record(options);
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            yield return update;
    }

    private void Record(ChatOptions? options)
    {
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
