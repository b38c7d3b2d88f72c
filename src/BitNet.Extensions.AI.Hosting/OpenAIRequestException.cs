using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace BitNet.Extensions.AI.Hosting;

/// <summary>A request the endpoint refuses, with the OpenAI error fields and HTTP status to answer it with.</summary>
internal sealed class OpenAIRequestException(int statusCode, string message, string? param = null, string? code = null,
                                             string type = OpenAIRequestException.InvalidRequest) : Exception(message)
{
    public const string InvalidRequest = "invalid_request_error";

    public int StatusCode { get; } = statusCode;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    /// <summary>400: a parameter is missing, malformed or out of range; <paramref name="message"/> says what to send instead.</summary>
    public static OpenAIRequestException Invalid(string param, string message, string? code = "invalid_value") =>
        new(StatusCodes.Status400BadRequest, message, param, code);

    /// <summary>400: a parameter's value is valid OpenAI but not supported here.</summary>
    public static OpenAIRequestException Unsupported(string param, string message) =>
        new(StatusCodes.Status400BadRequest, message, param, "unsupported_value");

    /// <summary>404: the requested model is not the one this server serves.</summary>
    public static OpenAIRequestException ModelNotFound(string requested, string served) =>
        new(StatusCodes.Status404NotFound,
            string.Create(CultureInfo.InvariantCulture,
                $"The model '{requested}' does not exist on this server; it serves '{served}' (see GET /v1/models). Omit \"model\" to use it."),
            "model", "model_not_found");
}
