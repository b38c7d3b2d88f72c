using System.ComponentModel;
using System.Text;
using BitNet.Runtime.Model;
using BitNet.Tests;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace BitNet.Extensions.AI.Tests.SemanticKernel;

/// <summary>
/// <c>IKernelBuilder.AddBitNetChatClient</c>: the kernel's chat services, Semantic Kernel's settings and plugins reaching
/// the BitNet client, and automatic function invocation wired as Semantic Kernel's connectors wire it.
/// </summary>
public sealed class KernelBuilderTests
{
    private const string Prompt = "Once upon a time";

    [Fact]
    public void Kernel_ResolvesTheChatClientPipeline_AndAChatCompletionServiceOverIt()
    {
        var kernel = CreateKernel();

        var client = kernel.GetRequiredService<IChatClient>();
        Assert.NotNull(client.GetService<FunctionInvokingChatClient>()); // Semantic Kernel's kernel-function variant
        var bitnet = client.GetService<BitNetChatClient>();
        Assert.NotNull(bitnet);
        Assert.Equal("bitnet", client.GetService<ChatClientMetadata>()?.ProviderName);
        var service = kernel.GetRequiredService<IChatCompletionService>();
        Assert.Equal(bitnet.ModelId, service.GetModelId()); // Semantic Kernel's service attribute, from ChatClientMetadata
    }

    [Fact]
    public async Task ServiceId_RegistersKeyedServices_WithTheirOwnOptions_SelectedBySettings()
    {
        var kernel = Kernel.CreateBuilder()
            .AddBitNetChatClient(o => Configure(o, maxOutputTokens: 3), serviceId: "short")
            .AddBitNetChatClient(o => Configure(o, maxOutputTokens: 6), serviceId: "long")
            .Build();

        Assert.Null(kernel.Services.GetService(typeof(IChatClient))); // nothing unkeyed was registered
        Assert.NotNull(kernel.GetRequiredService<IChatClient>("short").GetService<BitNetChatClient>());
        var shortAnswer = await kernel.InvokePromptAsync(Prompt, new KernelArguments(new PromptExecutionSettings { ServiceId = "short" }));
        var longAnswer = await kernel.InvokePromptAsync(Prompt, new KernelArguments(new PromptExecutionSettings { ServiceId = "long" }));

        using var direct = SharedModel.CreateClient();
        Assert.Equal((await direct.GetResponseAsync(Prompt, SharedModel.GreedyChat(3))).Text, shortAnswer.ToString());
        Assert.Equal((await direct.GetResponseAsync(Prompt, SharedModel.GreedyChat(6))).Text, longAnswer.ToString());
        Assert.NotEqual(shortAnswer.ToString(), longAnswer.ToString());
    }

    [Fact]
    public async Task ChatCompletionService_StreamsAndAnswers_TheSameTextAsTheChatClient()
    {
        var kernel = CreateKernel();
        var client = kernel.GetRequiredService<IChatClient>();
        var service = kernel.GetRequiredService<IChatCompletionService>();
        var settings = new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { ["temperature"] = 0, ["max_tokens"] = 30 } };
        var expected = await client.GetResponseAsync(Prompt, SharedModel.GreedyChat(30));

        var answer = await service.GetChatMessageContentAsync(Prompt, settings, kernel);
        var streamed = new StringBuilder();
        var chunks = 0;
        await foreach (var chunk in service.GetStreamingChatMessageContentsAsync(Prompt, settings, kernel))
        {
            streamed.Append(chunk.Content);
            if (!string.IsNullOrEmpty(chunk.Content)) chunks++;
        }

        Assert.StartsWith(SharedModel.Prompts[0].NoQuant.GreedyText[..20], expected.Text, StringComparison.Ordinal);
        Assert.Equal(expected.Text, answer.Content);
        Assert.Equal(AuthorRole.Assistant, answer.Role);
        Assert.Equal(expected.Text, streamed.ToString());
        Assert.True(chunks > 1, "one chunk per token");
    }

    [Fact]
    public async Task PromptExecutionSettings_ReachTheBitNetClient_AsChatOptions()
    {
        CallCountingChatClient? model = null;
        var kernel = CreateKernel(pipeline => pipeline.Use(inner => model = new CallCountingChatClient(inner)));
        var settings = new PromptExecutionSettings
        {
            ExtensionData = new Dictionary<string, object>
            {
                ["temperature"] = 0.7,
                ["top_p"] = 0.95,
                ["top_k"] = 40,
                ["seed"] = 11,
                ["max_tokens"] = 25,
                ["stop_sequences"] = new[] { "Lily" },
                [BitNetChatClient.MinPPropertyName] = 0.05,
            },
        };

        var answer = await kernel.InvokePromptAsync(Prompt, new KernelArguments(settings));

        var options = model!.LastOptions!;
        Assert.Equal(0.7f, options.Temperature);
        Assert.Equal(0.95f, options.TopP);
        Assert.Equal(40, options.TopK);
        Assert.Equal(11L, options.Seed);
        Assert.Equal(25, options.MaxOutputTokens);
        Assert.Equal(["Lily"], options.StopSequences!);
        Assert.Equal(0.05, Convert.ToDouble(options.AdditionalProperties![BitNetChatClient.MinPPropertyName], System.Globalization.CultureInfo.InvariantCulture));
        // And they act: the answer is the one the client gives for the same options.
        using var direct = SharedModel.CreateClient();
        var expected = await direct.GetResponseAsync(Prompt, new ChatOptions
        {
            Temperature = 0.7f, TopP = 0.95f, TopK = 40, Seed = 11, MaxOutputTokens = 25, StopSequences = ["Lily"],
            AdditionalProperties = new() { [BitNetChatClient.MinPPropertyName] = 0.05 },
        });
        Assert.Equal(expected.Text, answer.ToString());
    }

    [Fact]
    public async Task OutOfRangeSetting_IsReportedByTheClient_NamingIt()
    {
        var kernel = CreateKernel();
        var settings = new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { [BitNetChatClient.MinPPropertyName] = 5 } };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => kernel.InvokePromptAsync(Prompt, new KernelArguments(settings)));

        var outOfRange = Assert.IsType<ArgumentOutOfRangeException>(error is KernelException { InnerException: { } inner } ? inner : error);
        Assert.Contains("min_p", outOfRange.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plugin_WithAutoFunctionChoice_IsOfferedToTheClient_AndTheStoryIsTold()
    {
        CallCountingChatClient? model = null;
        var kernel = CreateKernel(pipeline => pipeline.Use(inner => model = new CallCountingChatClient(inner)));
        var plugin = kernel.Plugins.AddFromType<StoryPlugin>("Story");
        var settings = new PromptExecutionSettings
        {
            FunctionChoiceBehavior = FunctionChoiceBehavior.Auto(),
            ExtensionData = new Dictionary<string, object> { ["temperature"] = 0, ["max_tokens"] = 24 },
        };

        var answer = await kernel.InvokePromptAsync(Prompt, new KernelArguments(settings));

        var tool = Assert.Single(model!.LastOptions!.Tools!);
        Assert.Contains(nameof(StoryPlugin.PickAnimal), tool.Name, StringComparison.Ordinal);
        Assert.Equal(ChatToolMode.Auto, model.LastOptions.ToolMode);
        Assert.Equal(1, model.CallCount); // the story model answered without calling it
        using var direct = SharedModel.CreateClient();
        Assert.Equal((await direct.GetResponseAsync(Prompt, SharedModel.GreedyChat(24))).Text, answer.ToString());
    }

    private static Kernel CreateKernel(Action<ChatClientBuilder>? configurePipeline = null) =>
        Kernel.CreateBuilder()
            .AddBitNetChatClient(o => Configure(o, maxOutputTokens: null), configurePipeline: configurePipeline)
            .Build();

    private static void Configure(BitNetChatClientOptions options, int? maxOutputTokens)
    {
        options.ModelPath = TinyModel.Path;
        options.ActivationQuantization = ActivationQuantization.None; // as SharedModel, so that answers compare exactly
        options.Temperature = 0;
        options.MaxOutputTokens = maxOutputTokens;
    }

    /// <summary>A kernel plugin for a story.</summary>
    public sealed class StoryPlugin
    {
        /// <summary>Picks the animal the story is about.</summary>
        [KernelFunction, Description("Picks the animal the story is about.")]
        public static string PickAnimal() => "a little fox";
    }
}
