using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace BitNet.Extensions.AI.Hosting;

/// <summary>Reads a request's JSON body within <see cref="OpenAIEndpointOptions.MaxRequestBodyBytes"/>.</summary>
internal static class RequestBodyReader
{
    /// <exception cref="OpenAIRequestException">415 for a non-JSON media type, 413 for a body over the limit, 400 for no body.</exception>
    /// <exception cref="JsonException">The body is not valid JSON for <typeparamref name="T"/> (its path names the field).</exception>
    public static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, OpenAIEndpointOptions limits)
        where T : class
    {
        var request = context.Request;
        CheckMediaType(request.ContentType);

        var limit = limits.MaxRequestBodyBytes;
        if (request.ContentLength > limit) throw TooLarge(limit);
        // Bounds chunked bodies too: Kestrel stops reading past the limit with a 413 BadHttpRequestException.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            sizeFeature.MaxRequestBodySize = limit;

        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, type, context.RequestAborted).ConfigureAwait(false)
                ?? throw new OpenAIRequestException(StatusCodes.Status400BadRequest, "The request body is JSON null; send a JSON object.");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(limit);
        }
    }

    // JSON, any +json type, or none; also curl's default for -d (application/x-www-form-urlencoded), so that the
    // usual `curl … -d '{…}'` works without a Content-Type header. Anything else is refused.
    private static void CheckMediaType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return;
        if (MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            var type = mediaType.MediaType;
            if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
                type.EndsWith("+json", StringComparison.OrdinalIgnoreCase) ||
                type.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }

        throw new OpenAIRequestException(StatusCodes.Status415UnsupportedMediaType,
            $"The request body's media type is '{contentType}'; send JSON with Content-Type: application/json.",
            code: "unsupported_media_type");
    }

    private static OpenAIRequestException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture,
            $"The request body is larger than this server accepts ({limit} bytes, OpenAIEndpoint:MaxRequestBodyBytes). Send fewer or shorter messages."),
            code: "request_too_large");
}
