using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace BitNet.Extensions.AI.Tests;

/// <summary>
/// Upstream's function-invocation, tool-schema, caching-with-tools and logging-of-calls checks. Upstream lets the model
/// decide to call (auto mode) and checks that the answer uses the result ("3528"); the 4M story model never chooses a
/// call and cannot do arithmetic, so here the first request requires the call (the tool call is real: decoded under the
/// function's schema and run by <see cref="FunctionInvokingChatClient"/>), and the semantic check becomes: the function ran
/// once with schema-valid arguments, its result was sent back, and the final answer is the model's greedy answer to the
/// history holding that result. <c>FunctionInvocation_SupportsMultipleParallelRequests</c> is left out: an answer holds
/// at most one call.
/// </summary>
public sealed partial class ChatClientConformanceTests
{
    private const int ToolTokens = 96; // a required call needs its JSON; the answer after it is cut at the same limit

    private static ChatOptions RequiredCall(params AITool[] tools) =>
        new() { Tools = tools, ToolMode = ChatToolMode.RequireAny, Temperature = 0, MaxOutputTokens = ToolTokens };

    [Fact]
    public async Task FunctionInvocation_AutomaticallyInvokeFunction_Parameterless()
    {
        using var telemetry = new GenAiTelemetryRecorder();
        var secretNumber = 42;
        var calls = 0;
        using var chatClient = _client.AsBuilder().UseFunctionInvocation().UseOpenTelemetry(sourceName: telemetry.SourceName).UseCallCounting().Build();

        var response = await chatClient.GetResponseAsync("Once upon a time", RequiredCall(AIFunctionFactory.Create(() =>
        {
            calls++;
            return secretNumber;
        }, "GetSecretNumber")));

        Assert.Equal(1, calls);
        await AssertAnsweredAfterResultAsync(chatClient, response, "42");
        AssertUsageAgainstActivities(response, telemetry);
    }

    [Fact]
    public Task FunctionInvocation_AutomaticallyInvokeFunction_WithParameters_NonStreaming() => InvokeWithParametersAsync(streaming: false);

    [Fact]
    public Task FunctionInvocation_AutomaticallyInvokeFunction_WithParameters_Streaming() => InvokeWithParametersAsync(streaming: true);

    private async Task InvokeWithParametersAsync(bool streaming)
    {
        var arguments = new List<(int A, int B)>();
        using var chatClient = _client.AsBuilder().UseFunctionInvocation().UseCallCounting().Build();
        var options = RequiredCall(AIFunctionFactory.Create((int a, int b) =>
        {
            arguments.Add((a, b));
            return a * b;
        }, "SecretComputation"));

        var response = streaming
            ? await chatClient.GetStreamingResponseAsync("Once upon a time", options).ToChatResponseAsync()
            : await chatClient.GetResponseAsync("Once upon a time", options);

        var (a, b) = Assert.Single(arguments); // two integers the binder accepted
        await AssertAnsweredAfterResultAsync(chatClient, response, (a * b).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task FunctionInvocation_OptionalParameter()
    {
        var ids = new List<string>();
        using var chatClient = _client.AsBuilder().UseFunctionInvocation().UseCallCounting().Build();
        var function = AIFunctionFactory.Create((string id = "defaultId") =>
        {
            ids.Add(id);
            return id is "foo" ? 42 : -1;
        }, "GetSecretNumberById");

        var response = await chatClient.GetResponseAsync("Once upon a time", RequiredCall(function));

        // The grammar writes every declared property, optional ones too: the model chose the id.
        var id = Assert.Single(ids);
        await AssertAnsweredAfterResultAsync(chatClient, response, id is "foo" ? "42" : "-1");
    }

    [Fact]
    public async Task FunctionInvocation_NestedParameters()
    {
        var people = new List<PersonRecord>();
        using var chatClient = _client.AsBuilder().UseFunctionInvocation().UseCallCounting().Build();
        var function = AIFunctionFactory.Create((PersonRecord person) =>
        {
            people.Add(person);
            return person.Name is "John" ? 42 + person.Age : -1;
        }, "GetSecretNumberByPerson");

        var response = await chatClient.GetResponseAsync("Once upon a time", RequiredCall(function));

        var person = Assert.Single(people); // a nested object bound to the record
        Assert.NotNull(person.Name);
        await AssertAnsweredAfterResultAsync(chatClient, response,
            (person.Name is "John" ? 42 + person.Age : -1).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task FunctionInvocation_ArrayParameter()
    {
        string? shopperName = null;
        List<string> shoppingCart = [];
        using var chatClient = _client.AsBuilder().UseFunctionInvocation().UseCallCounting().Build();
        var function = AIFunctionFactory.Create((string[] items, string shopperId) =>
        {
            shoppingCart.AddRange(items);
            shopperName = shopperId;
        }, "AddItemsToShoppingCart");

        var response = await chatClient.GetResponseAsync("Once upon a time", RequiredCall(function));

        Assert.NotNull(shopperName); // an array of strings and a string bound to the parameters
        Assert.All(shoppingCart, Assert.NotNull);
        await AssertAnsweredAfterResultAsync(chatClient, response, expectedResult: null);
    }

    [Fact]
    public async Task FunctionInvocation_RequireAny()
    {
        var callCount = 0;
        var tool = AIFunctionFactory.Create(() =>
        {
            callCount++;
            return 123;
        }, "GetSecretNumber");
        using var chatClient = new FunctionInvokingChatClient(_client);

        await chatClient.GetResponseAsync("Are birds real?", new ChatOptions { Tools = [tool], ToolMode = ChatToolMode.RequireAny, MaxOutputTokens = ToolTokens });

        Assert.True(callCount >= 1);
    }

    [Fact]
    public async Task FunctionInvocation_RequireSpecific()
    {
        var shieldsUp = false;
        var secretNumberCalled = false;
        var getSecretNumberTool = AIFunctionFactory.Create(() => secretNumberCalled = true, "GetSecretNumber");
        var shieldsUpTool = AIFunctionFactory.Create(() => shieldsUp = true, "ShieldsUp");
        using var chatClient = new FunctionInvokingChatClient(_client);

        await chatClient.GetResponseAsync("What's the current secret number?", new ChatOptions
        {
            Tools = [getSecretNumberTool, shieldsUpTool],
            ToolMode = ChatToolMode.RequireSpecific(shieldsUpTool.Name),
            MaxOutputTokens = ToolTokens,
        });

        Assert.True(shieldsUp);
        Assert.False(secretNumberCalled); // ours in addition: only the required one
    }

    [Fact]
    public async Task Caching_BeforeFunctionInvocation_AvoidsExtraCalls()
    {
        var functionCallCount = 0;
        var getTemperature = AIFunctionFactory.Create([Description("Gets the current temperature")] () =>
        {
            functionCallCount++;
            return $"{100 + functionCallCount} degrees celsius";
        }, "GetTemperature");
        using var chatClient = _client.AsBuilder()
            .ConfigureOptions(options => Require(options, getTemperature))
            .UseDistributedCache(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())))
            .UseFunctionInvocation()
            .UseCallCounting()
            .Build();
        var llmCallCount = chatClient.GetService<CallCountingChatClient>()!;
        var message = new ChatMessage(ChatRole.User, "Once upon a time");

        var response = await chatClient.GetResponseAsync([message]);
        await AssertAnsweredAfterResultAsync(chatClient, response, "101 degrees celsius"); // one call, then the answer

        var secondResponse = await chatClient.GetResponseAsync([message]);
        Assert.Equal(response.Text, secondResponse.Text);
        Assert.Equal(1, functionCallCount);
        Assert.Equal(2, llmCallCount.CallCount);
    }

    [Fact]
    public async Task Caching_AfterFunctionInvocation_FunctionOutputUnchangedAsync()
    {
        var functionCallCount = 0;
        var getTemperature = AIFunctionFactory.Create([Description("Gets the current temperature")] () =>
        {
            functionCallCount++;
            return "58 degrees celsius";
        }, "GetTemperature");
        using var chatClient = CreateToolCachingClient(getTemperature);
        var llmCallCount = chatClient.GetService<CallCountingChatClient>()!;
        var message = new ChatMessage(ChatRole.User, "Once upon a time");

        var response = await chatClient.GetResponseAsync([message]);
        Assert.Equal(1, functionCallCount);
        await AssertAnsweredAfterResultAsync(chatClient, response, "58 degrees celsius");

        // The call comes from the cache, the function runs again, and its unchanged result makes the answer a hit too.
        var secondResponse = await chatClient.GetResponseAsync([message]);
        Assert.Equal(2, functionCallCount);
        Assert.Equal(2, llmCallCount.CallCount);
        Assert.Equal(response.Text, secondResponse.Text);
    }

    [Fact]
    public async Task Caching_AfterFunctionInvocation_FunctionOutputChangedAsync()
    {
        var functionCallCount = 0;
        var getTemperature = AIFunctionFactory.Create([Description("Gets the current temperature")] () =>
        {
            functionCallCount++;
            return $"{80 + functionCallCount} degrees celsius";
        }, "GetTemperature");
        using var chatClient = CreateToolCachingClient(getTemperature);
        var llmCallCount = chatClient.GetService<CallCountingChatClient>()!;
        var message = new ChatMessage(ChatRole.User, "Once upon a time");

        var response = await chatClient.GetResponseAsync([message]);
        Assert.Equal(1, functionCallCount);
        await AssertAnsweredAfterResultAsync(chatClient, response, "81 degrees celsius");

        // The call comes from the cache; the function's new result is a new request, which reaches the model.
        var secondResponse = await chatClient.GetResponseAsync([message]);
        Assert.Equal(2, functionCallCount);
        Assert.Equal(3, llmCallCount.CallCount);
        Assert.Contains("82 degrees celsius", ResultsSent(llmCallCount.Requests[^1].Messages));
        Assert.False(string.IsNullOrEmpty(secondResponse.Text));
    }

    [Fact]
    public async Task Logging_LogsFunctionCalls_NonStreaming()
    {
        var collector = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(collector)).SetMinimumLevel(LogLevel.Trace));
        using var chatClient = _client.AsBuilder().UseFunctionInvocation().UseLogging(loggerFactory).Build();
        var secretNumber = 42;

        var response = await chatClient.GetResponseAsync("Once upon a time", RequiredCall(AIFunctionFactory.Create(() => secretNumber, "GetSecretNumber")));

        Assert.Collection(collector.GetSnapshot(),
            entry => Assert.Contains("Once upon a time", entry.Message, StringComparison.Ordinal),
            entry => Assert.Contains("\"name\": \"GetSecretNumber\"", entry.Message, StringComparison.Ordinal),
            entry => Assert.Contains($"\"result\": {secretNumber}", entry.Message, StringComparison.Ordinal),
            entry => Assert.Contains(JsonSerializer.Serialize(response.Text)[1..^1], entry.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logging_LogsFunctionCalls_Streaming()
    {
        var collector = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(collector)).SetMinimumLevel(LogLevel.Trace));
        using var chatClient = _client.AsBuilder().UseFunctionInvocation().UseLogging(loggerFactory).Build();
        var secretNumber = 42;

        await foreach (var update in chatClient.GetStreamingResponseAsync("Once upon a time", RequiredCall(AIFunctionFactory.Create(() => secretNumber, "GetSecretNumber"))))
        {
            // Only the log matters.
        }

        var logs = collector.GetSnapshot();
        Assert.Contains(logs, e => e.Message.Contains("Once upon a time", StringComparison.Ordinal));
        Assert.Contains(logs, e => e.Message.Contains("\"name\": \"GetSecretNumber\"", StringComparison.Ordinal));
        Assert.Contains(logs, e => e.Message.Contains($"\"result\": {secretNumber}", StringComparison.Ordinal));
    }

    /// <summary>
    /// Two requests reached the model: one answered with a single call (schema-valid: the invocation layer bound its
    /// arguments), then one holding that call and its result (<paramref name="expectedResult"/>, when the function
    /// returns one) not requiring another, answered by <paramref name="response"/> — the model's greedy answer to it.
    /// </summary>
    private async Task AssertAnsweredAfterResultAsync(IChatClient chatClient, ChatResponse response, string? expectedResult)
    {
        var requests = chatClient.GetService<CallCountingChatClient>()!.Requests;
        Assert.Equal(2, requests.Count);
        Assert.IsType<RequiredChatToolMode>(requests[0].Options!.ToolMode);
        var (messages, options) = requests[1];
        Assert.False(options?.ToolMode is RequiredChatToolMode, "the follow-up does not require another call");
        var call = Assert.Single(messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        var result = Assert.Single(messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal(call.CallId, result.CallId);
        Assert.Null(result.Exception);
        if (expectedResult is not null) Assert.Equal(expectedResult, result.Result?.ToString());

        var expected = await _client.GetResponseAsync(messages, options);
        Assert.Equal(expected.Text, response.Text);
        Assert.NotEqual(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    // As upstream: the invocation layer's own span (it finds the OpenTelemetry layer's source) sums the usage of the
    // calls inside it, so over all spans the total is twice the response's aggregated usage.
    private static void AssertUsageAgainstActivities(ChatResponse response, GenAiTelemetryRecorder telemetry)
    {
        var finalUsage = response.Usage!;
        var activities = telemetry.Activities.ToList();
        Assert.Equal(2, activities.Count(a => a.DisplayName.StartsWith("chat", StringComparison.Ordinal))); // the two model calls
        Assert.Equal(finalUsage.InputTokenCount * 2, activities.Sum(a => (int?)a.GetTagItem("gen_ai.usage.input_tokens")));
        Assert.Equal(finalUsage.OutputTokenCount * 2, activities.Sum(a => (int?)a.GetTagItem("gen_ai.usage.output_tokens")));
    }

    private static string ResultsSent(IEnumerable<ChatMessage> messages)
    {
        var text = new StringBuilder();
        foreach (var result in messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>()) text.Append(result.Result).Append('\n');
        return text.ToString();
    }

    private static void Require(ChatOptions options, AIFunction function)
    {
        options.Tools = [function];
        options.ToolMode = ChatToolMode.RequireAny;
        options.Temperature = 0;
        options.MaxOutputTokens = ToolTokens;
    }

    private IChatClient CreateToolCachingClient(AIFunction function) => _client.AsBuilder()
        .ConfigureOptions(options => Require(options, function))
        .UseFunctionInvocation()
        .UseDistributedCache(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())))
        .UseCallCounting()
        .Build();

    /// <summary>Upstream's nested parameter.</summary>
    public sealed record PersonRecord(string Name, int Age = 42);
}
