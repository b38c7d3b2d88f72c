using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests.Preprocessing;

/// <summary>An inner client that records what it receives and answers "ok" (one update when streaming).</summary>
internal sealed class RecordingChatClient : IChatClient
{
    public List<ChatMessage>? Messages { get; private set; }

    public ChatOptions? Options { get; private set; }

    public IEnumerable<ChatMessage>? ReceivedEnumerable { get; private set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Record(messages, options);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
                                                                                [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Record(messages, options);
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "ok");
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    private void Record(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ReceivedEnumerable = messages;
        Messages = messages.ToList();
        Options = options;
    }
}
