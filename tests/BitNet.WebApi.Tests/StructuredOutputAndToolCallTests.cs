using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using MeaiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using OpenAIChatFinishReason = OpenAI.Chat.ChatFinishReason;
using OpenAIChatResponseFormat = OpenAI.Chat.ChatResponseFormat;

namespace BitNet.WebApi.Tests;

/// <summary>
/// <c>response_format</c> and <c>tools</c> on the real model over HTTP, driven by the official OpenAI client and by
/// Microsoft.Extensions.AI.OpenAI: constrained decoding behind the endpoint makes JSON mode parse, a JSON schema
/// validate, and a required tool call name a declared function with arguments matching its parameters.
/// </summary>
public sealed class StructuredOutputAndToolCallTests(BitNetServerFixture fixture) : IClassFixture<BitNetServerFixture>
{
    private const string Prompt = "Once upon a time, a little fox";

    private const string PetSchema = """
        {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},"kind":{"enum":["cat","dog","fox"]},
         "toys":{"type":"array","items":{"type":"string"},"maxItems":3}},"required":["name","age","kind","toys"],"additionalProperties":false}
        """;

    private const string WeatherParameters = """
        {"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}
        """;

    private ChatClient Chat => fixture.Server.OpenAI.GetChatClient(fixture.ModelId);

    private static ChatTool WeatherTool => ChatTool.CreateFunctionTool("get_weather", "The weather in a city.", BinaryData.FromString(WeatherParameters));

    [Fact]
    public async Task ResponseFormatJsonObject_ReturnsAParseableObject()
    {
        var options = new ChatCompletionOptions { ResponseFormat = OpenAIChatResponseFormat.CreateJsonObjectFormat(), Temperature = 0, MaxOutputTokenCount = 48 };

        ChatCompletion completion = await Chat.CompleteChatAsync([new UserChatMessage(Prompt)], options);

        using var json = JsonDocument.Parse(completion.Content[0].Text);
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
    }

    [Fact]
    public async Task ResponseFormatJsonSchema_ReturnsAValueMatchingTheSchema_StreamedTheSame()
    {
        var options = new ChatCompletionOptions
        {
            ResponseFormat = OpenAIChatResponseFormat.CreateJsonSchemaFormat("pet", BinaryData.FromString(PetSchema), jsonSchemaIsStrict: true),
            Temperature = 0,
            MaxOutputTokenCount = 80,
        };

        ChatCompletion completion = await Chat.CompleteChatAsync([new UserChatMessage(Prompt)], options);
        var streamed = new StringBuilder();
        await foreach (var update in Chat.CompleteChatStreamingAsync([new UserChatMessage(Prompt)], options))
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);

        var text = completion.Content[0].Text;
        using var json = JsonDocument.Parse(text);
        var pet = json.RootElement;
        Assert.Equal(["name", "age", "kind", "toys"], pet.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.String, pet.GetProperty("name").ValueKind);
        Assert.True(pet.GetProperty("age").TryGetInt32(out _), text);
        Assert.Contains(pet.GetProperty("kind").GetString(), new[] { "cat", "dog", "fox" });
        Assert.InRange(pet.GetProperty("toys").GetArrayLength(), 0, 3);
        Assert.All(pet.GetProperty("toys").EnumerateArray(), toy => Assert.Equal(JsonValueKind.String, toy.ValueKind));
        Assert.Equal(OpenAIChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(text, streamed.ToString());
    }

    [Fact]
    public async Task RequiredToolChoice_ReturnsAToolCallWithValidArguments_StreamedDeltasReassembleToTheSameCall()
    {
        var options = new ChatCompletionOptions { Tools = { WeatherTool }, ToolChoice = ChatToolChoice.CreateRequiredChoice(), Temperature = 0, MaxOutputTokenCount = 64 };

        ChatCompletion completion = await Chat.CompleteChatAsync([new UserChatMessage(Prompt)], options);

        Assert.Equal(OpenAIChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.StartsWith("call_", call.Id, StringComparison.Ordinal);
        AssertWeatherArguments(call.FunctionArguments.ToString());

        // Streamed: the deltas of one tool call (index 0) reassemble to the same call.
        string? id = null, name = null;
        var arguments = new StringBuilder();
        OpenAIChatFinishReason? finish = null;
        await foreach (var update in Chat.CompleteChatStreamingAsync([new UserChatMessage(Prompt)], options))
        {
            foreach (var delta in update.ToolCallUpdates)
            {
                Assert.Equal(0, delta.Index);
                id ??= delta.ToolCallId;
                name ??= delta.FunctionName;
                if (delta.FunctionArgumentsUpdate is { } part && !part.ToMemory().IsEmpty) arguments.Append(part.ToString());
            }

            Assert.DoesNotContain(update.ContentUpdate, c => c.Text.Length > 0);
            finish ??= update.FinishReason;
        }

        Assert.Equal(OpenAIChatFinishReason.ToolCalls, finish);
        Assert.StartsWith("call_", id, StringComparison.Ordinal);
        Assert.Equal(call.FunctionName, name);
        Assert.Equal(call.FunctionArguments.ToString(), arguments.ToString());
    }

    [Fact]
    public async Task FollowUpWithTheToolMessage_GetsAnAnswer_LikeTheInProcessClient()
    {
        var required = new ChatCompletionOptions { Tools = { WeatherTool }, ToolChoice = ChatToolChoice.CreateRequiredChoice(), Temperature = 0, MaxOutputTokenCount = 64 };
        ChatCompletion first = await Chat.CompleteChatAsync([new UserChatMessage(Prompt)], required);
        var call = Assert.Single(first.ToolCalls);

        var followUp = new ChatCompletionOptions { Tools = { WeatherTool }, Temperature = 0, MaxOutputTokenCount = 24 };
        ChatCompletion answer = await Chat.CompleteChatAsync(
            [new UserChatMessage(Prompt), new AssistantChatMessage([call]), new ToolChatMessage(call.Id, "Sunny and warm.")], followUp);

        Assert.NotEqual(OpenAIChatFinishReason.ToolCalls, answer.FinishReason);
        Assert.Empty(answer.ToolCalls);
        var text = Assert.Single(answer.Content).Text;
        Assert.False(string.IsNullOrWhiteSpace(text));

        // The same history in process: the same greedy answer.
        List<MeaiChatMessage> history =
        [
            new(ChatRole.User, Prompt),
            new(ChatRole.Assistant, [new FunctionCallContent(call.Id, call.FunctionName, JsonSerializer.Deserialize<Dictionary<string, object?>>(call.FunctionArguments.ToString()))]),
            new(ChatRole.Tool, [new FunctionResultContent(call.Id, "Sunny and warm.")]),
        ];
        var expected = await fixture.InProcessClient.GetResponseAsync(history, new ChatOptions
        {
            Tools = [AIFunctionFactory.CreateDeclaration("get_weather", "The weather in a city.", JsonDocument.Parse(WeatherParameters).RootElement)],
            Temperature = 0,
            MaxOutputTokens = 24,
        });
        Assert.Equal(expected.Text, text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MicrosoftExtensionsAIOpenAI_UseFunctionInvocation_RunsTheToolEndToEnd(bool streaming)
    {
        var calls = new List<(string City, int Days)>();
        var weather = AIFunctionFactory.Create((string city, int days) =>
        {
            calls.Add((city, days));
            return $"Sunny in {city} for {days} days.";
        }, "get_weather", "The weather in a city.");
        using var remote = Chat.AsIChatClient().AsBuilder().UseFunctionInvocation().Build();
        var options = new ChatOptions { Tools = [weather], ToolMode = ChatToolMode.RequireAny, Temperature = 0, MaxOutputTokens = 64 };

        var response = streaming
            ? await remote.GetStreamingResponseAsync(Prompt, options).ToChatResponseAsync()
            : await remote.GetResponseAsync(Prompt, options);

        var (city, days) = Assert.Single(calls); // the remote call's arguments bound to the .NET parameters
        var result = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal($"Sunny in {city} for {days} days.", result.Result?.ToString());
        Assert.False(string.IsNullOrWhiteSpace(response.Text)); // the answer after the result
        Assert.NotEqual(Microsoft.Extensions.AI.ChatFinishReason.ToolCalls, response.FinishReason);
    }

    private static void AssertWeatherArguments(string arguments)
    {
        using var json = JsonDocument.Parse(arguments);
        Assert.Equal(["city", "days"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.String, json.RootElement.GetProperty("city").ValueKind);
        Assert.True(json.RootElement.GetProperty("days").TryGetInt32(out _), arguments);
    }
}
