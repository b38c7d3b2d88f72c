using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BitNet.WebApi.Tests;

/// <summary>Raw HTTP for what the OpenAI client cannot send (malformed bodies, legacy completions) or hides (status, error body).</summary>
internal static class HttpJson
{
    public static async Task<(int Status, JsonElement Body)> PostAsync(HttpClient http, string path, string body,
                                                                      string? contentType = "application/json")
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        using var response = await http.PostAsync(path, content);
        return ((int)response.StatusCode, await ReadAsync(response));
    }

    public static async Task<(int Status, JsonElement Body)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return ((int)response.StatusCode, await ReadAsync(response));
    }

    /// <summary>Asserts OpenAI's error body and returns its <c>error</c> object.</summary>
    public static JsonElement AssertError(JsonElement body, string type, string? param, string? code)
    {
        var error = body.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        return error;
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
