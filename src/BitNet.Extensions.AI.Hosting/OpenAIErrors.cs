using System.Text.Json;
using BitNet.Extensions.AI.Hosting.Wire;
using BitNet.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BitNet.Extensions.AI.Hosting;

/// <summary>
/// Turns what went wrong into OpenAI's error body: the endpoint's own refusals, malformed JSON, and the provider's
/// <see cref="ContextLengthExceededException"/>, <see cref="NotSupportedException"/> and <see cref="ArgumentException"/>
/// become 400s with a message saying what to change; anything else is a 500 that is logged but never shows its details.
/// </summary>
internal static class OpenAIErrors
{
    private const string ServerError = "server_error";

    /// <param name="exception">What went wrong.</param>
    /// <param name="promptParam">The request field holding the prompt (<c>messages</c> or <c>prompt</c>), named by context-length errors.</param>
    /// <param name="logger">Where unexpected errors are logged.</param>
    public static (int StatusCode, ErrorWire Error) Describe(Exception exception, string promptParam, ILogger logger) => exception switch
    {
        OpenAIRequestException refused => (refused.StatusCode, new ErrorWire
        {
            Message = refused.Message, Type = refused.Type, Param = refused.Param, Code = refused.Code,
        }),
        JsonException json => (StatusCodes.Status400BadRequest, new ErrorWire
        {
            Message = "The request body is not valid JSON for this endpoint: " + json.Message,
            Type = OpenAIRequestException.InvalidRequest,
            Param = ParamFromJsonPath(json.Path),
            Code = "invalid_json",
        }),
        ContextLengthExceededException context => (StatusCodes.Status400BadRequest, new ErrorWire
        {
            Message = context.Message, Type = OpenAIRequestException.InvalidRequest, Param = promptParam, Code = "context_length_exceeded",
        }),
        NotSupportedException unsupported => (StatusCodes.Status400BadRequest, new ErrorWire
        {
            Message = unsupported.Message, Type = OpenAIRequestException.InvalidRequest, Code = "unsupported_value",
        }),
        ArgumentException argument => (StatusCodes.Status400BadRequest, new ErrorWire
        {
            Message = argument.Message, Type = OpenAIRequestException.InvalidRequest, Code = "invalid_value",
        }),
        _ => Unexpected(exception, logger),
    };

    /// <summary>Writes <paramref name="error"/> as the JSON response with <paramref name="statusCode"/>.</summary>
    public static Task WriteAsync(HttpContext context, int statusCode, ErrorWire error)
    {
        context.Response.StatusCode = statusCode;
        return context.Response.WriteAsJsonAsync(new ErrorResponseWire { Error = error }, OpenAIJsonContext.Responses.ErrorResponseWire,
                                                 contentType: null, context.RequestAborted);
    }

    /// <summary>Describes <paramref name="exception"/> and writes it as the JSON response.</summary>
    public static Task WriteAsync(HttpContext context, Exception exception, string promptParam, ILogger logger)
    {
        var (statusCode, error) = Describe(exception, promptParam, logger);
        return WriteAsync(context, statusCode, error);
    }

    /// <summary>The body for a status code the routing layer produced without one (404, 405, 415…).</summary>
    public static ErrorWire ForStatusCode(int statusCode, string method, string path) => new()
    {
        Message = statusCode switch
        {
            StatusCodes.Status404NotFound => $"Unknown path {path}. Endpoints: POST /v1/chat/completions, POST /v1/completions, GET /v1/models, GET /health.",
            StatusCodes.Status405MethodNotAllowed => $"{method} is not allowed on {path}.",
            StatusCodes.Status415UnsupportedMediaType => "Send the request body as application/json.",
            _ => $"The request failed with HTTP status {statusCode}.",
        },
        Type = statusCode >= 500 ? ServerError : OpenAIRequestException.InvalidRequest,
        Code = statusCode switch
        {
            StatusCodes.Status404NotFound => "unknown_url",
            StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
            _ => null,
        },
    };

    private static (int, ErrorWire) Unexpected(Exception exception, ILogger logger)
    {
        logger.LogError(exception, "The OpenAI-compatible endpoint failed on a request.");
        return (StatusCodes.Status500InternalServerError, new ErrorWire
        {
            Message = "The server had an error while processing the request; its log has the details.",
            Type = ServerError,
        });
    }

    // "$.messages[0].content" → "messages[0].content"; the root ("$") names no parameter.
    private static string? ParamFromJsonPath(string? path) =>
        path is null || path.Length <= 2 || !path.StartsWith("$.", StringComparison.Ordinal) ? null : path[2..];
}
