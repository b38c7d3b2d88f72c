using BitNet.Extensions.AI;
using BitNet.Tests;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace BitNet.WebApi.Tests;

/// <summary>One server on the shared TinyStories model (warm-up on, as in the sample) for a test class.</summary>
public sealed class BitNetServerFixture : IAsyncLifetime
{
    private LoopbackServer? _server;

    internal LoopbackServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>The DI-registered client the endpoint serves: the in-process reference for the HTTP answers.</summary>
    public IChatClient InProcessClient => Server.App.Services.GetRequiredService<IChatClient>();

    public string ModelId => InProcessClient.GetService<ChatClientMetadata>()!.DefaultModelId!;

    public async Task InitializeAsync() =>
        _server = await LoopbackServer.StartAsync(builder => builder.Services.AddBitNetChatClient(o => o.ModelPath = TinyModel.Path));

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
