using System.Text.Json;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>
/// Tool calls on the shipped story model: a required call is decoded under the function's argument schema and returned
/// as <see cref="FunctionCallContent"/>, and <c>UseFunctionInvocation()</c> runs it end to end.
/// </summary>
public sealed class ToolCallingTests
{
    private static AIFunction Add(Action? onCall = null) => AIFunctionFactory.Create((int a, int b) =>
    {
        onCall?.Invoke();
        return a + b;
    }, "add", "Adds two whole numbers.");

    private static AIFunction Weather() => AIFunctionFactory.Create((string city, bool celsius) => $"Sunny in {city}", "get_weather", "The weather in a city.");

    private static ChatOptions Options(ChatToolMode mode, params AITool[] tools) =>
        new() { Tools = tools, ToolMode = mode, Temperature = 0.8f, Seed = 3, MaxOutputTokens = 64 };

    [Fact]
    public async Task A_required_call_is_a_function_call_with_valid_arguments()
    {
        using var client = SharedModel.CreateClient();
        var ids = new HashSet<string>();
        for (var seed = 0; seed < 4; seed++)
        {
            var options = Options(ChatToolMode.RequireAny, Add(), Weather());
            options.Seed = seed;
            var response = await client.GetResponseAsync("Once upon a time", options);
            Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
            var call = Assert.IsType<FunctionCallContent>(Assert.Single(response.Messages.Single().Contents));
            Assert.True(ids.Add(call.CallId), "call ids are unique");
            Assert.StartsWith("call_", call.CallId, StringComparison.Ordinal);
            if (call.Name == "add")
            {
                Assert.Equal(JsonValueKind.Number, ((JsonElement)call.Arguments!["a"]!).ValueKind);
                Assert.Equal(JsonValueKind.Number, ((JsonElement)call.Arguments!["b"]!).ValueKind);
            }
            else
            {
                Assert.Equal("get_weather", call.Name);
                Assert.Equal(JsonValueKind.String, ((JsonElement)call.Arguments!["city"]!).ValueKind);
            }
        }
    }

    [Fact]
    public async Task A_specific_function_is_the_one_called_also_when_streaming()
    {
        using var client = SharedModel.CreateClient();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("Once upon a time", Options(ChatToolMode.RequireSpecific("get_weather"), Add(), Weather())))
            updates.Add(update);
        Assert.DoesNotContain(updates, u => u.Contents.OfType<TextContent>().Any(t => t.Text.Length > 0));
        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal(ChatFinishReason.ToolCalls, updates[^1].FinishReason);
        Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
    }

    [Fact]
    public async Task In_auto_mode_the_answer_is_text_or_a_valid_call()
    {
        using var client = SharedModel.CreateClient();
        for (var seed = 0; seed < 4; seed++)
        {
            var options = Options(ChatToolMode.Auto, Add());
            options.Seed = seed;
            var response = await client.GetResponseAsync("Once upon a time", options);
            var content = Assert.Single(response.Messages.Single().Contents);
            if (content is FunctionCallContent call)
            {
                Assert.Equal("add", call.Name);
                Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
            }
            else
            {
                Assert.IsType<TextContent>(content);
            }
        }
    }

    [Fact]
    public async Task With_tool_mode_none_the_answer_is_text()
    {
        using var client = SharedModel.CreateClient();
        var response = await client.GetResponseAsync("Once upon a time", Options(ChatToolMode.None, Add()));
        Assert.IsType<TextContent>(Assert.Single(response.Messages.Single().Contents));
        Assert.NotEqual(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public async Task UseFunctionInvocation_runs_a_required_tool_end_to_end()
    {
        var calls = 0;
        using var client = new ChatClientBuilder(SharedModel.CreateClient()).UseFunctionInvocation().Build();
        var response = await client.GetResponseAsync("Once upon a time", Options(ChatToolMode.RequireSpecific("add"), Add(() => calls++)));

        Assert.Equal(1, calls);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        var result = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal(call.CallId, result.CallId);
        Assert.Null(result.Exception);
        // After the call the tool mode is no longer required (FunctionInvokingChatClient resets it), so the story goes on as text.
        Assert.NotEqual(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(ChatRole.Assistant, response.Messages[^1].Role);
    }
}
