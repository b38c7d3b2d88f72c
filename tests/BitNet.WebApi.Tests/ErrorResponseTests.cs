using System.ClientModel;
using OpenAI.Chat;

namespace BitNet.WebApi.Tests;

/// <summary>Bad requests get OpenAI's error body with the right status code, the parameter named, and no server-side details.</summary>
public sealed class ErrorResponseTests(BitNetServerFixture fixture) : IClassFixture<BitNetServerFixture>
{
    private HttpClient Http => fixture.Server.Http;

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"Once""", "messages[0].content")]
    [InlineData("not json", null)]
    [InlineData("", null)]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"temperature":"hot"}""", "temperature")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"max_tokens":1e30}""", "max_tokens")]
    public async Task MalformedJson_Is400InvalidJson_NamingTheFieldWhenThereIsOne(string body, string? param)
    {
        var (status, error) = await HttpJson.PostAsync(Http, "v1/chat/completions", body);

        Assert.Equal(400, status);
        HttpJson.AssertError(error, "invalid_request_error", param, "invalid_json");
    }

    [Fact]
    public async Task UnknownModel_Is404ModelNotFound_ThroughTheOpenAIClient()
    {
        var chat = fixture.Server.OpenAI.GetChatClient("gpt-4o");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(404, error.Status);
        Assert.Contains("model_not_found", error.Message, StringComparison.Ordinal);
        Assert.Contains(fixture.ModelId, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AbsentOrEmptyModel_MeansTheServedModel()
    {
        foreach (var model in new[] { "", "\"model\":\"\"," })
        {
            var (status, body) = await HttpJson.PostAsync(Http, "v1/chat/completions",
                "{" + model + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":2}");
            Assert.Equal(200, status);
            Assert.Equal(fixture.ModelId, body.GetProperty("model").GetString());
        }
    }

    [Fact]
    public async Task InvalidTemperature_Is400NamingTemperature_ThroughTheOpenAIClient()
    {
        var chat = fixture.Server.OpenAI.GetChatClient(fixture.ModelId);

        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            chat.CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { Temperature = 2.5f }));

        Assert.Equal(400, error.Status);
        var (_, body) = await HttpJson.PostAsync(Http, "v1/chat/completions", """{"messages":[{"role":"user","content":"Hi"}],"temperature":2.5}""");
        var detail = HttpJson.AssertError(body, "invalid_request_error", "temperature", "invalid_value");
        Assert.Contains("between 0 and 2", detail.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"top_p":0}""", "top_p")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"max_completion_tokens":5000}""", "max_completion_tokens")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"frequency_penalty":3}""", "frequency_penalty")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"stop":["a","b","c","d","e"]}""", "stop")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"n":2}""", "n")]
    [InlineData("""{"messages":[]}""", "messages")]
    [InlineData("""{"model":"x-only"}""", "model")]
    [InlineData("""{"messages":[{"role":"wizard","content":"Hi"}]}""", "messages[0].role")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x"}}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"messages":[{"role":"tool","content":"42"}]}""", "messages[0].tool_call_id")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"stream_options":{"include_usage":true}}""", "stream_options")]
    public async Task InvalidParameter_Is400NamingIt(string body, string param)
    {
        var (status, error) = await HttpJson.PostAsync(Http, "v1/chat/completions", body);

        Assert.Equal(param == "model" ? 404 : 400, status);
        Assert.Equal(param, error.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task TooManyMessages_Is400_BeforeAnyGeneration()
    {
        var messages = string.Join(',', Enumerable.Repeat("""{"role":"user","content":"a"}""", 257));

        var (status, error) = await HttpJson.PostAsync(Http, "v1/chat/completions", $$"""{"messages":[{{messages}}]}""");

        Assert.Equal(400, status);
        HttpJson.AssertError(error, "invalid_request_error", "messages", "invalid_value");
    }

    [Fact]
    public async Task OversizedPrompt_Is400ContextLengthExceeded_NonStreamingAndStreaming()
    {
        var story = string.Concat(Enumerable.Repeat("Once upon a time there was a cat. ", 60));
        foreach (var stream in new[] { "false", "true" })
        {
            var (status, body) = await HttpJson.PostAsync(Http, "v1/chat/completions",
                $$"""{"messages":[{"role":"user","content":"{{story}}"}],"stream":{{stream}}}""");

            Assert.Equal(400, status);
            var error = HttpJson.AssertError(body, "invalid_request_error", "messages", "context_length_exceeded");
            Assert.Contains("256", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413()
    {
        var huge = new string('a', (1 << 20) + 10);

        var (status, body) = await HttpJson.PostAsync(Http, "v1/chat/completions", $$"""{"messages":[{"role":"user","content":"{{huge}}"}]}""");

        Assert.Equal(413, status);
        HttpJson.AssertError(body, "invalid_request_error", null, "request_too_large");
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimit_Is413_WithoutAContentLength()
    {
        // No Content-Length: the limit is enforced while reading, not only checked up front.
        var huge = System.Text.Encoding.UTF8.GetBytes($$"""{"messages":[{"role":"user","content":"{{new string('a', (1 << 20) + 10)}}"}]}""");
        using var content = new StreamContent(new MemoryStream(huge));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await Http.SendAsync(request);

        Assert.Equal(413, (int)response.StatusCode);
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        HttpJson.AssertError(body, "invalid_request_error", null, "request_too_large");
    }

    [Fact]
    public async Task WrongMethodUnknownPathAndMediaType_Get405_404_415WithErrorBodies()
    {
        var (getStatus, getBody) = await HttpJson.GetAsync(Http, "v1/chat/completions");
        Assert.Equal(405, getStatus);
        HttpJson.AssertError(getBody, "invalid_request_error", null, "method_not_allowed");

        var (missingStatus, missingBody) = await HttpJson.GetAsync(Http, "v1/embeddings");
        Assert.Equal(404, missingStatus);
        HttpJson.AssertError(missingBody, "invalid_request_error", null, "unknown_url");

        var (mediaStatus, mediaBody) = await HttpJson.PostAsync(Http, "v1/chat/completions", "<xml/>", "application/xml");
        Assert.Equal(415, mediaStatus);
        HttpJson.AssertError(mediaBody, "invalid_request_error", null, "unsupported_media_type");
    }

    [Fact]
    public async Task CurlDefaultFormContentType_IsReadAsJson()
    {
        // `curl URL -d '{…}'` sends application/x-www-form-urlencoded; the README's curl calls rely on it working.
        var (status, body) = await HttpJson.PostAsync(Http, "v1/chat/completions",
            """{"messages":[{"role":"user","content":"Hi"}],"max_tokens":2}""", "application/x-www-form-urlencoded");

        Assert.Equal(200, status);
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
    }
}
