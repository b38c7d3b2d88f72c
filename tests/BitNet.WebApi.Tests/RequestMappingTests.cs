using System.Text.Json;
using BitNet.Runtime;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;
using MeaiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace BitNet.WebApi.Tests;

/// <summary>
/// The OpenAI fields are mapped onto <see cref="ChatOptions"/> and messages faithfully, and tool calls come back in
/// OpenAI's shape — checked against a recording client, since the shipped story model has no JSON or tool support yet.
/// </summary>
public sealed class RequestMappingTests : IAsyncLifetime
{
    private readonly RecordingChatClient _client = new();
    private LoopbackServer? _server;

    private LoopbackServer Server => _server!;

    public async Task InitializeAsync() =>
        _server = await LoopbackServer.StartAsync(builder => builder.Services.AddChatClient(_client));

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    [Fact]
    public async Task SamplingFields_MapOntoChatOptions()
    {
        var (status, _) = await HttpJson.PostAsync(Server.Http, "v1/chat/completions", """
            {"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"temperature":0.5,"top_p":0.9,"top_k":40,"min_p":0.05,
             "max_completion_tokens":33,"seed":-5,"stop":"END","frequency_penalty":0.25,"presence_penalty":-0.5,"parallel_tool_calls":false}
            """);

        Assert.Equal(200, status);
        var options = _client.Options!;
        Assert.Equal(RecordingChatClient.ModelId, options.ModelId);
        Assert.Equal(0.5f, options.Temperature);
        Assert.Equal(0.9f, options.TopP);
        Assert.Equal(40, options.TopK);
        Assert.Equal(0.05f, options.AdditionalProperties!["min_p"]);
        Assert.Equal(33, options.MaxOutputTokens);
        Assert.Equal(-5L, options.Seed);
        Assert.Equal(["END"], options.StopSequences!);
        Assert.Equal(0.25f, options.FrequencyPenalty);
        Assert.Equal(-0.5f, options.PresencePenalty);
        Assert.False(options.AllowMultipleToolCalls);
    }

    [Fact]
    public async Task ResponseFormat_MapsToText_Json_AndJsonSchema()
    {
        await PostAsync("""{"messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"text"}}""");
        Assert.IsType<ChatResponseFormatText>(_client.Options!.ResponseFormat);

        await PostAsync("""{"messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_object"}}""");
        var json = Assert.IsType<ChatResponseFormatJson>(_client.Options!.ResponseFormat);
        Assert.Null(json.Schema);

        await PostAsync("""
            {"messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":
             {"name":"story","description":"A story","schema":{"type":"object","properties":{"title":{"type":"string"}},"required":["title"]}}}}
            """);
        var schema = Assert.IsType<ChatResponseFormatJson>(_client.Options!.ResponseFormat);
        Assert.Equal("story", schema.SchemaName);
        Assert.Equal("A story", schema.SchemaDescription);
        Assert.Equal("string", schema.Schema!.Value.GetProperty("properties").GetProperty("title").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Tools_MapToFunctionDeclarations_AndToolChoiceToToolMode()
    {
        const string tools = """
            "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather in a city",
                      "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                     {"type":"function","function":{"name":"now"}}]
            """;
        await PostAsync($$"""{"messages":[{"role":"user","content":"Hi"}],{{tools}},"tool_choice":"required"}""");
        var declared = _client.Options!.Tools!.Cast<AIFunctionDeclaration>().ToArray();
        Assert.Equal(["get_weather", "now"], declared.Select(t => t.Name));
        Assert.Equal("Weather in a city", declared[0].Description);
        Assert.Equal("string", declared[0].JsonSchema.GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
        Assert.Equal("object", declared[1].JsonSchema.GetProperty("type").GetString());
        Assert.IsType<RequiredChatToolMode>(_client.Options.ToolMode);
        Assert.Null(((RequiredChatToolMode)_client.Options.ToolMode!).RequiredFunctionName);

        await PostAsync("""{"messages":[{"role":"user","content":"Hi"}],""" + tools + ""","tool_choice":{"type":"function","function":{"name":"now"}}}""");
        Assert.Equal("now", ((RequiredChatToolMode)_client.Options!.ToolMode!).RequiredFunctionName);

        await PostAsync($$"""{"messages":[{"role":"user","content":"Hi"}],{{tools}},"tool_choice":"auto"}""");
        Assert.Equal(ChatToolMode.Auto, _client.Options!.ToolMode);
        await PostAsync($$"""{"messages":[{"role":"user","content":"Hi"}],{{tools}},"tool_choice":"none"}""");
        Assert.Equal(ChatToolMode.None, _client.Options!.ToolMode);

        var (status, body) = await HttpJson.PostAsync(Server.Http, "v1/chat/completions",
            """{"messages":[{"role":"user","content":"Hi"}],""" + tools + ""","tool_choice":{"type":"function","function":{"name":"missing"}}}""");
        Assert.Equal(400, status);
        HttpJson.AssertError(body, "invalid_request_error", "tool_choice.function.name", "invalid_value");
    }

    [Fact]
    public async Task Messages_MapRolesTextPartsToolCallsAndToolResults()
    {
        await PostAsync("""
            {"messages":[
              {"role":"developer","content":"Be brief."},
              {"role":"user","content":[{"type":"text","text":"Weather in "},{"type":"text","text":"Paris?"}],"name":"ann"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"sunny"}]}
            """);

        var messages = _client.Messages!;
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool], messages.Select(m => m.Role));
        Assert.Equal("Be brief.", messages[0].Text);
        Assert.Equal("Weather in Paris?", messages[1].Text);
        Assert.Equal("ann", messages[1].AuthorName);
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(messages[2].Contents));
        Assert.Equal(("call_1", "get_weather"), (call.CallId, call.Name));
        Assert.Equal("Paris", ((JsonElement)call.Arguments!["city"]!).GetString());
        var result = Assert.IsType<FunctionResultContent>(Assert.Single(messages[3].Contents));
        Assert.Equal(("call_1", "sunny"), (result.CallId, result.Result));
    }

    [Fact]
    public async Task ToolCallsOut_NonStreamingAndStreaming_ThroughTheOpenAIClient()
    {
        _client.Response = new ChatResponse(new MeaiChatMessage(ChatRole.Assistant,
            [new FunctionCallContent("call_7", "get_weather", new Dictionary<string, object?> { ["city"] = "Oslo" })]))
        {
            FinishReason = Microsoft.Extensions.AI.ChatFinishReason.ToolCalls,
            Usage = new UsageDetails { InputTokenCount = 11, OutputTokenCount = 7, TotalTokenCount = 18 },
        };
        var chat = Server.OpenAI.GetChatClient(RecordingChatClient.ModelId);
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_weather") } };

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Weather?")], options);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.ToolCalls, completion.FinishReason);
        var toolCall = Assert.Single(completion.ToolCalls);
        Assert.Equal(("call_7", "get_weather"), (toolCall.Id, toolCall.FunctionName));
        Assert.Equal("""{"city":"Oslo"}""", toolCall.FunctionArguments.ToString());
        Assert.Equal(18, completion.Usage.TotalTokenCount);

        var streamedCalls = new List<StreamingChatToolCallUpdate>();
        OpenAI.Chat.ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Weather?")], options))
        {
            streamedCalls.AddRange(update.ToolCallUpdates);
            finish ??= update.FinishReason;
        }
        var streamed = Assert.Single(streamedCalls);
        Assert.Equal(("call_7", "get_weather", 0), (streamed.ToolCallId, streamed.FunctionName, streamed.Index));
        Assert.Equal("""{"city":"Oslo"}""", streamed.FunctionArgumentsUpdate.ToString());
        Assert.Equal(OpenAI.Chat.ChatFinishReason.ToolCalls, finish);
    }

    [Fact]
    public async Task ToolCallsOut_ReachFunctionInvocationThroughMicrosoftExtensionsAIOpenAI()
    {
        _client.Response = new ChatResponse(new MeaiChatMessage(ChatRole.Assistant,
            [new FunctionCallContent("call_9", "add", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3 })]))
        {
            FinishReason = Microsoft.Extensions.AI.ChatFinishReason.ToolCalls,
        };
        using IChatClient remote = Server.OpenAI.GetChatClient(RecordingChatClient.ModelId).AsIChatClient();

        var response = await remote.GetResponseAsync("2+3?", new ChatOptions { Tools = [AIFunctionFactory.Create((int a, int b) => a + b, "add")] });

        var call = Assert.IsType<FunctionCallContent>(Assert.Single(response.Messages.SelectMany(m => m.Contents)));
        Assert.Equal(("call_9", "add"), (call.CallId, call.Name));
        Assert.Equal(3, ((JsonElement)call.Arguments!["b"]!).GetInt32());
        Assert.Equal("add", Assert.Single(_client.Options!.Tools!).Name);
    }

    [Theory]
    [InlineData("not supported", typeof(NotSupportedException), "unsupported_value")]
    [InlineData("bad value", typeof(ArgumentOutOfRangeException), "invalid_value")]
    public async Task ProviderRefusals_Become400s_WithTheProvidersMessage(string message, Type exceptionType, string code)
    {
        _client.Failure = exceptionType == typeof(NotSupportedException)
            ? new NotSupportedException(message)
            : new ArgumentOutOfRangeException("options", message);
        foreach (var stream in new[] { "false", "true" })
        {
            var (status, body) = await HttpJson.PostAsync(Server.Http, "v1/chat/completions",
                $$"""{"messages":[{"role":"user","content":"Hi"}],"stream":{{stream}}}""");
            Assert.Equal(400, status);
            var error = HttpJson.AssertError(body, "invalid_request_error", null, code);
            Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ContextLengthExceeded_NamesThePromptField()
    {
        _client.Failure = new ContextLengthExceededException(900, 256);

        var (status, body) = await HttpJson.PostAsync(Server.Http, "v1/completions", """{"prompt":"Hi"}""");

        Assert.Equal(400, status);
        HttpJson.AssertError(body, "invalid_request_error", "prompt", "context_length_exceeded");
    }

    [Fact]
    public async Task UnexpectedFailure_Is500_WithoutDetails()
    {
        _client.Failure = new InvalidOperationException("secret internal detail at Foo.Bar()");

        var (status, body) = await HttpJson.PostAsync(Server.Http, "v1/chat/completions", """{"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(500, status);
        var error = HttpJson.AssertError(body, "server_error", null, null);
        Assert.DoesNotContain("secret", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", body.GetRawText(), StringComparison.Ordinal);
    }

    private async Task PostAsync(string body)
    {
        var (status, response) = await HttpJson.PostAsync(Server.Http, "v1/chat/completions", body);
        Assert.True(status == 200, response.GetRawText());
    }
}
