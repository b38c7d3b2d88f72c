using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace BitNet.WebApi.Tests;

/// <summary>
/// Middleware between the endpoint and the provider that sees each streamed request end on the server side: how many
/// updates it produced and whether it ended by cancellation.
/// </summary>
internal sealed class StreamObserver(IChatClient inner) : DelegatingChatClient(inner)
{
    private TaskCompletionSource<(int Updates, bool Cancelled)> _ended = NewSignal();

    /// <summary>Completes when the current streamed request ends; <see cref="Reset"/> before the next one.</summary>
    public Task<(int Updates, bool Cancelled)> Ended => _ended.Task;

    public void Reset() => _ended = NewSignal();

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var updates = 0;
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                updates++;
                yield return update;
            }
        }
        finally
        {
            // Runs when the provider's stream has been disposed, i.e. its worker has stopped and returned its session.
            _ended.TrySetResult((updates, cancellationToken.IsCancellationRequested));
        }
    }

    private static TaskCompletionSource<(int, bool)> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
