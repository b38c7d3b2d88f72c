using System.ClientModel;
using BitNet.Extensions.AI.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;

namespace BitNet.WebApi.Tests;

/// <summary>
/// A real Kestrel server on 127.0.0.1 and a free port, composed like samples/WebApi: the caller registers the
/// <c>IChatClient</c>, then the endpoint's services, error bodies and routes are added.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private LoopbackServer(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        OpenAI = new OpenAIClient(new ApiKeyCredential("not-used"), new OpenAIClientOptions { Endpoint = new Uri(baseAddress, "v1") });
    }

    public WebApplication App { get; }

    /// <summary>http://127.0.0.1:{port}/</summary>
    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    /// <summary>The official OpenAI client pointed at this server.</summary>
    public OpenAIClient OpenAI { get; }

    public static async Task<LoopbackServer> StartAsync(Action<WebApplicationBuilder> registerChatClient,
                                                        Action<OpenAIEndpointOptions>? limits = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        registerChatClient(builder);
        builder.Services.AddBitNetOpenAIEndpoints(limits);

        var app = builder.Build();
        app.UseOpenAIErrorResponses();
        app.MapBitNetOpenAIEndpoints();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var uri = new Uri(address.EndsWith('/') ? address : address + "/");
        Assert.Equal("127.0.0.1", uri.Host);
        return new LoopbackServer(app, uri);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
