using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Hosting;

/// <summary>
/// The one model the endpoint serves: the DI-registered <see cref="IChatClient"/>'s <see cref="ChatClientMetadata"/>
/// default model id (for BitNet, the GGUF's <c>general.name</c> or <c>BitNetChatClientOptions.ModelId</c>).
/// </summary>
internal sealed class ServedModel
{
    public ServedModel(IChatClient client, TimeProvider time)
    {
        var metadata = client.GetService<ChatClientMetadata>();
        Id = metadata?.DefaultModelId is { Length: > 0 } id ? id : BitNetChatClient.ProviderName;
        OwnedBy = metadata?.ProviderName is { Length: > 0 } provider ? provider : BitNetChatClient.ProviderName;
        Created = time.GetUtcNow().ToUnixTimeSeconds();
    }

    public string Id { get; }

    public string OwnedBy { get; }

    /// <summary>When the server began serving it (Unix seconds): <c>created</c> in <c>/v1/models</c>.</summary>
    public long Created { get; }

    /// <summary>
    /// The model a request asks for: an absent or empty <c>model</c> means the served one (a local server has one model,
    /// and clients often send a placeholder-free request); any other name must be the served id exactly.
    /// </summary>
    /// <exception cref="OpenAIRequestException">404 <c>model_not_found</c>.</exception>
    public string Resolve(string? requested)
    {
        if (string.IsNullOrEmpty(requested) || string.Equals(requested, Id, StringComparison.Ordinal)) return Id;
        throw OpenAIRequestException.ModelNotFound(requested, Id);
    }
}
