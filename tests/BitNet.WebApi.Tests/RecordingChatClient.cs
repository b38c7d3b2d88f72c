using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace BitNet.WebApi.Tests;

/// <summary>
/// A stand-in for the provider: records what the endpoint passes in and answers with a scripted response, so that the
/// mapping of features the shipped model cannot exercise yet (JSON, tools, penalties) is tested on the wire.
/// </summary>
internal sealed class RecordingChatClient : IChatClient
{
    public const string ModelId = "fake-model";

    public List<ChatMessage>? Messages { get; private set; }
    public ChatOptions? Options { get; private set; }

    /// <summary>What the next request answers (text "ok" by default).</summary>
    public ChatResponse Response { get; set; } = new(new ChatMessage(ChatRole.Assistant, "ok")) { FinishReason = ChatFinishReason.Stop };

    /// <summary>Thrown instead of answering, when set.</summary>
    public Exception? Failure { get; set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Record(messages, options);
        return Failure is null ? Task.FromResult(Response) : Task.FromException<ChatResponse>(Failure);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Record(messages, options);
        await Task.Yield();
        if (Failure is not null) throw Failure;
        foreach (var update in Response.ToChatResponseUpdates()) yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("fake", null, ModelId)
        : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    private void Record(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        Messages = [.. messages];
        Options = options;
    }
}
