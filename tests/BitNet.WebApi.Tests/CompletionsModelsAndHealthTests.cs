using System.Text;
using Microsoft.Extensions.AI;

namespace BitNet.WebApi.Tests;

/// <summary>POST /v1/completions (legacy text completion), GET /v1/models and GET /health on the real model.</summary>
public sealed class CompletionsModelsAndHealthTests(BitNetServerFixture fixture) : IClassFixture<BitNetServerFixture>
{
    [Fact]
    public async Task Completions_ContinueThePromptLikeTheInProcessClient()
    {
        var expected = await fixture.InProcessClient.GetResponseAsync("The cat", new ChatOptions { Temperature = 0, MaxOutputTokens = 12 });

        var (status, body) = await HttpJson.PostAsync(fixture.Server.Http, "v1/completions",
            """{"prompt":"The cat","max_tokens":12,"temperature":0}""");

        Assert.Equal(200, status);
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        Assert.Equal(fixture.ModelId, body.GetProperty("model").GetString());
        var choice = Assert.Single(body.GetProperty("choices").EnumerateArray().ToArray());
        Assert.Equal(expected.Text, choice.GetProperty("text").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(12, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_Streaming_SendsTextCompletionEventsThenDone()
    {
        var expected = await fixture.InProcessClient.GetResponseAsync("The dog", new ChatOptions { Temperature = 0, MaxOutputTokens = 10 });
        using var content = new StringContent("""{"prompt":["The dog"],"max_tokens":10,"temperature":0,"stream":true,"stream_options":{"include_usage":true}}""",
                                              Encoding.UTF8, "application/json");

        using var response = await fixture.Server.Http.PostAsync("v1/completions", content);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("data: [DONE]", events[^1]);
        var text = new StringBuilder();
        string? finish = null;
        var usageChunks = 0;
        foreach (var e in events[..^1])
        {
            Assert.StartsWith("data: {", e, StringComparison.Ordinal);
            var chunk = System.Text.Json.JsonDocument.Parse(e["data: ".Length..]).RootElement;
            Assert.Equal("text_completion", chunk.GetProperty("object").GetString());
            if (chunk.TryGetProperty("usage", out var usage))
            {
                usageChunks++;
                Assert.Equal(10, usage.GetProperty("completion_tokens").GetInt32());
                continue;
            }
            var choice = chunk.GetProperty("choices")[0];
            text.Append(choice.GetProperty("text").GetString());
            if (choice.GetProperty("finish_reason").GetString() is { } reason) finish = reason;
        }
        Assert.Equal(expected.Text, text.ToString());
        Assert.Equal("length", finish);
        Assert.Equal(1, usageChunks);
    }

    [Fact]
    public async Task Models_ListsTheServedModel_ThroughTheOpenAIClient()
    {
        var models = await fixture.Server.OpenAI.GetOpenAIModelClient().GetModelsAsync();

        var model = Assert.Single(models.Value);
        Assert.Equal(fixture.ModelId, model.Id);
        Assert.Equal("bitnet", model.OwnedBy);

        var (status, one) = await HttpJson.GetAsync(fixture.Server.Http, "v1/models/" + Uri.EscapeDataString(fixture.ModelId));
        Assert.Equal(200, status);
        Assert.Equal(fixture.ModelId, one.GetProperty("id").GetString());
        var (missing, error) = await HttpJson.GetAsync(fixture.Server.Http, "v1/models/gpt-4o");
        Assert.Equal(404, missing);
        HttpJson.AssertError(error, "invalid_request_error", "model", "model_not_found");
    }

    [Fact]
    public async Task Health_IsOkAfterStart_WithModelUptimeAndWarmUp()
    {
        var (status, body) = await HttpJson.GetAsync(fixture.Server.Http, "health");

        Assert.Equal(200, status);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal(fixture.ModelId, body.GetProperty("model").GetString());
        Assert.True(body.GetProperty("uptime_seconds").GetDouble() > 0);
        // The warm-up ran while the host started; the statistics listened from registration on.
        Assert.True(body.GetProperty("warm_up_seconds").GetDouble() > 0);
    }
}
