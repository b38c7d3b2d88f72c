using BitNet.Extensions.AI.Hosting.Mapping;
using BitNet.Extensions.AI.Hosting.Streaming;
using BitNet.Extensions.AI.Hosting.Wire;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BitNet.Extensions.AI.Hosting;

/// <summary>
/// The request handlers. Each is a plain <see cref="RequestDelegate"/>: services come from the request's container, the
/// body is read by <see cref="RequestBodyReader"/>, and every failure is answered by <see cref="OpenAIErrors"/>.
/// </summary>
internal static class OpenAIEndpoints
{
    public static Task ChatCompletionsAsync(HttpContext context) =>
        HandleAsync(context, "messages", static async (context, services) =>
        {
            var body = await RequestBodyReader.ReadAsync(context, OpenAIJsonContext.Default.ChatCompletionRequest, services.Limits).ConfigureAwait(false);
            var request = ChatRequestMapper.Map(body, services.Limits, services.Model);
            await AnswerAsync(context, services, request, SseChunkKind.Chat, "messages",
                static (response, model) => Results.Json(ChatResponseMapper.ToChatCompletion(response, model), OpenAIJsonContext.Responses.ChatCompletionResponse))
                .ConfigureAwait(false);
        });

    public static Task CompletionsAsync(HttpContext context) =>
        HandleAsync(context, "prompt", static async (context, services) =>
        {
            var body = await RequestBodyReader.ReadAsync(context, OpenAIJsonContext.Default.CompletionRequest, services.Limits).ConfigureAwait(false);
            var request = CompletionRequestMapper.Map(body, services.Limits, services.Model);
            await AnswerAsync(context, services, request, SseChunkKind.Text, "prompt",
                static (response, model) => Results.Json(ChatResponseMapper.ToTextCompletion(response, model), OpenAIJsonContext.Responses.CompletionResponse))
                .ConfigureAwait(false);
        });

    public static Task ModelsAsync(HttpContext context)
    {
        var model = EndpointServices.From(context).Model;
        return context.Response.WriteAsJsonAsync(new ModelListWire { Data = [ToWire(model)] }, OpenAIJsonContext.Responses.ModelListWire,
                                                 contentType: null, context.RequestAborted);
    }

    public static Task ModelAsync(HttpContext context) =>
        HandleAsync(context, "model", static (context, services) =>
        {
            var id = (string?)context.GetRouteValue("id");
            if (!string.Equals(id, services.Model.Id, StringComparison.Ordinal))
                throw OpenAIRequestException.ModelNotFound(id ?? string.Empty, services.Model.Id);
            return context.Response.WriteAsJsonAsync(ToWire(services.Model), OpenAIJsonContext.Responses.ModelWire, contentType: null, context.RequestAborted);
        });

    /// <summary>200 <c>"ok"</c> once the host has started — after every hosted service, the BitNet warm-up included — else 503.</summary>
    public static Task HealthAsync(HttpContext context)
    {
        var services = EndpointServices.From(context);
        var started = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.IsCancellationRequested;
        context.Response.StatusCode = started ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.CacheControl = "no-store";
        var statistics = services.Statistics;
        return context.Response.WriteAsJsonAsync(new HealthReportWire
        {
            Status = started ? "ok" : "starting",
            Model = services.Model.Id,
            UptimeSeconds = Math.Round(statistics.Uptime.TotalSeconds, 3),
            WarmUpSeconds = statistics.WarmUpSeconds,
            LastTimeToFirstTokenSeconds = statistics.LastTimeToFirstTokenSeconds,
            Requests = statistics.Requests,
        }, OpenAIJsonContext.Responses.HealthReportWire, contentType: null, context.RequestAborted);
    }

    private static async Task AnswerAsync(HttpContext context, EndpointServices services, MappedRequest request, SseChunkKind kind,
                                          string promptParam, Func<ChatResponse, ServedModel, IResult> toResult)
    {
        services.Statistics.CountRequest();
        if (request.Stream)
        {
            await CompletionStreamer.StreamAsync(context, services.Client, request, kind, promptParam, services.Model, services.Logger)
                .ConfigureAwait(false);
            return;
        }

        var response = await services.Client.GetResponseAsync(request.Messages, request.Options, context.RequestAborted).ConfigureAwait(false);
        await toResult(response, services.Model).ExecuteAsync(context).ConfigureAwait(false);
    }

    private static async Task HandleAsync(HttpContext context, string promptParam, Func<HttpContext, EndpointServices, Task> handler)
    {
        var services = EndpointServices.From(context);
        try
        {
            await handler(context, services).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client disconnected; generation has stopped and there is no one to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            await OpenAIErrors.WriteAsync(context, e, promptParam, services.Logger).ConfigureAwait(false);
        }
    }

    private static ModelWire ToWire(ServedModel model) => new() { Id = model.Id, Created = model.Created, OwnedBy = model.OwnedBy };

    /// <summary>What a handler needs, resolved once per request from singletons.</summary>
    private sealed record EndpointServices(IChatClient Client, ServedModel Model, OpenAIEndpointOptions Limits,
                                           OpenAIEndpointStatistics Statistics, ILogger Logger)
    {
        public static EndpointServices From(HttpContext context)
        {
            var services = context.RequestServices;
            return new EndpointServices(
                services.GetRequiredService<IChatClient>(),
                services.GetRequiredService<ServedModel>(),
                services.GetRequiredService<IOptions<OpenAIEndpointOptions>>().Value,
                services.GetRequiredService<OpenAIEndpointStatistics>(),
                services.GetRequiredService<ILoggerFactory>().CreateLogger("BitNet.Extensions.AI.Hosting.OpenAIEndpoints"));
        }
    }
}
