using BitNet.Extensions.AI.Hosting.Mapping;
using BitNet.Extensions.AI.Hosting.Wire;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace BitNet.Extensions.AI.Hosting.Streaming;

/// <summary>
/// Streams a response as server-sent events. The first update is awaited before anything is sent, so that a request
/// the provider refuses (context length, unsupported option) still gets a JSON error with its status code; later
/// errors become an error event. The request's abort token is the generation's token: a client that disconnects
/// stops generation and frees the runtime for the next request.
/// </summary>
internal static class CompletionStreamer
{
    public static async Task StreamAsync(HttpContext context, IChatClient client, MappedRequest request, SseChunkKind kind,
                                         string promptParam, ServedModel model, ILogger logger)
    {
        var aborted = context.RequestAborted;
        var updates = client.GetStreamingResponseAsync(request.Messages, request.Options, aborted).GetAsyncEnumerator(aborted);
        await using var _ = updates.ConfigureAwait(false);
        bool hasUpdate;
        try
        {
            hasUpdate = await updates.MoveNextAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (!aborted.IsCancellationRequested)
        {
            await OpenAIErrors.WriteAsync(context, e, promptParam, logger).ConfigureAwait(false);
            return;
        }

        var first = hasUpdate ? updates.Current : null;
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        // Proxies such as nginx would otherwise hold the tokens back.
        response.Headers["X-Accel-Buffering"] = "no";

        using var writer = new SseChunkWriter(response.BodyWriter, kind,
            ChatResponseMapper.ResponseId(first?.ResponseId, kind == SseChunkKind.Chat ? "chatcmpl-" : "cmpl-"),
            ChatResponseMapper.CreatedSeconds(first?.CreatedAt), first?.ModelId ?? model.Id);
        try
        {
            await writer.WriteStartAsync(aborted).ConfigureAwait(false);
            ChatFinishReason? finishReason = null;
            UsageDetails? usage = null;
            var toolCalls = 0;
            while (hasUpdate)
            {
                var update = updates.Current;
                var contents = update.Contents;
                for (var i = 0; i < contents.Count; i++)
                {
                    switch (contents[i])
                    {
                        case TextContent { Text.Length: > 0 } text:
                            await writer.WriteTextAsync(text.Text, aborted).ConfigureAwait(false);
                            break;
                        case FunctionCallContent call when kind == SseChunkKind.Chat:
                            await writer.WriteToolCallAsync(toolCalls++, call, aborted).ConfigureAwait(false);
                            break;
                        case UsageContent usageContent:
                            usage = usageContent.Details;
                            break;
                    }
                }
                finishReason = update.FinishReason ?? finishReason;
                hasUpdate = await updates.MoveNextAsync().ConfigureAwait(false);
            }

            await writer.WriteFinishAsync(ChatResponseMapper.FinishReason(finishReason, toolCalls > 0), aborted).ConfigureAwait(false);
            if (request.IncludeUsage && usage is not null)
                await writer.WriteUsageAsync(UsageWire.From(usage), aborted).ConfigureAwait(false);
            await writer.WriteDoneAsync(aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client has gone: leaving the enumerator (disposed above) has stopped generation.
        }
        catch (Exception e)
        {
            var (_, error) = OpenAIErrors.Describe(e, promptParam, logger);
            await writer.WriteErrorAsync(error, aborted).ConfigureAwait(false);
            await writer.WriteDoneAsync(aborted).ConfigureAwait(false);
        }
    }
}
