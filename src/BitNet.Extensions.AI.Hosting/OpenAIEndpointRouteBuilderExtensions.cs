using BitNet.Extensions.AI.Hosting;
using BitNet.Extensions.AI.Hosting.Wire;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the OpenAI-compatible HTTP endpoint onto the DI-registered <c>IChatClient</c>.</summary>
public static class OpenAIEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST /v1/chat/completions</c>, <c>POST /v1/completions</c> (both non-streaming and server-sent events),
    /// <c>GET /v1/models</c>, <c>GET /v1/models/{id}</c> and <c>GET /health</c>. Requires
    /// <c>services.AddBitNetOpenAIEndpoints()</c> and an <c>IChatClient</c> registration. Errors use OpenAI's body
    /// <c>{"error":{"message","type","param","code"}}</c>; see docs/webapi.md for the status codes.
    /// </summary>
    /// <param name="endpoints">The application or a route group.</param>
    /// <returns>The group holding the endpoints, for conventions such as authorization or rate limiting.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> is null.</exception>
    public static RouteGroupBuilder MapBitNetOpenAIEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(string.Empty);
        group.MapPost("/v1/chat/completions", OpenAIEndpoints.ChatCompletionsAsync);
        group.MapPost("/v1/completions", OpenAIEndpoints.CompletionsAsync);
        group.MapGet("/v1/models", OpenAIEndpoints.ModelsAsync);
        group.MapGet("/v1/models/{id}", OpenAIEndpoints.ModelAsync);
        group.MapGet("/health", OpenAIEndpoints.HealthAsync);
        return group;
    }

    /// <summary>
    /// Gives the responses the routing layer produces without a body (404 unknown path, 405 wrong method…) OpenAI's error
    /// body, so that clients always get <c>{"error":{…}}</c>. Call it before <c>MapBitNetOpenAIEndpoints</c>.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <returns><paramref name="app"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="app"/> is null.</exception>
    public static IApplicationBuilder UseOpenAIErrorResponses(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseStatusCodePages(static statusContext =>
        {
            var context = statusContext.HttpContext;
            var error = OpenAIErrors.ForStatusCode(context.Response.StatusCode, context.Request.Method, context.Request.Path);
            return context.Response.WriteAsJsonAsync(new ErrorResponseWire { Error = error }, OpenAIJsonContext.Responses.ErrorResponseWire,
                                                     contentType: null, context.RequestAborted);
        });
    }
}
