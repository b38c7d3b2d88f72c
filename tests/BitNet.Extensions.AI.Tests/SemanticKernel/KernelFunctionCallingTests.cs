using System.ComponentModel;
using System.Text;
using BitNet.Runtime.Model;
using BitNet.Tests;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using FunctionCallContent = Microsoft.Extensions.AI.FunctionCallContent;
using FunctionResultContent = Microsoft.Extensions.AI.FunctionResultContent;

namespace BitNet.Extensions.AI.Tests.SemanticKernel;

/// <summary>
/// Semantic Kernel's automatic function calling on the real shipped model, no scripted layer: with
/// <c>FunctionChoiceBehavior.Required([function])</c> the model's first answer is a call with schema-valid arguments, the
/// kernel invokes the plugin, sends the result back and the model's next answer ends the loop — through the
/// <see cref="IChatClient"/> pipeline (<c>UseKernelFunctionInvocation</c>) and through <see cref="IChatCompletionService"/>,
/// streaming and not.
/// </summary>
/// <remarks>
/// Semantic Kernel 1.82 sends <c>Required([f])</c> as <see cref="ChatToolMode.RequireAny"/> with <c>f</c> the only tool, on the first request only;
/// after the function ran, the next request no longer requires a call and the story model answers with text, so the loop
/// ends after two requests. <c>Auto</c> alone is not tested for a call: the 4M story model never chooses one (its answers
/// do not start with <c>{</c>; 0 of 200 sampled auto-mode requests were calls, docs/benchmarks.md), so KernelBuilderTests
/// checks that the plugin is offered and not called.
/// </remarks>
public sealed class KernelFunctionCallingTests
{
    private const string Prompt = "Once upon a time";
    private const int MaxTokens = 80; // a call of Story_NameHero needs at least 59 tokens

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequiredFunction_IsCalledAndInvoked_AndTheAnswerFollows_ThroughTheKernelsChatClient(bool streaming)
    {
        var (kernel, model, hero, settings) = CreateKernelWithPlugin();

        string answer;
        if (streaming)
        {
            var text = new StringBuilder();
            await foreach (var chunk in kernel.InvokePromptStreamingAsync(Prompt, new KernelArguments(settings)))
                text.Append(chunk);
            answer = text.ToString();
        }
        else
        {
            answer = (await kernel.InvokePromptAsync(Prompt, new KernelArguments(settings))).ToString();
        }

        await AssertOneCallThenTheAnswerAsync(model(), hero, answer);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequiredFunction_IsCalledAndInvoked_AndTheAnswerFollows_ThroughTheChatCompletionService(bool streaming)
    {
        var (kernel, model, hero, settings) = CreateKernelWithPlugin();
        var service = kernel.GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory();
        history.AddUserMessage(Prompt);

        string answer;
        if (streaming)
        {
            var text = new StringBuilder();
            await foreach (var chunk in service.GetStreamingChatMessageContentsAsync(history, settings, kernel))
                text.Append(chunk.Content);
            answer = text.ToString();
        }
        else
        {
            var message = await service.GetChatMessageContentAsync(history, settings, kernel);
            Assert.Equal(AuthorRole.Assistant, message.Role);
            answer = message.Content ?? "";
        }

        await AssertOneCallThenTheAnswerAsync(model(), hero, answer);
    }

    /// <summary>
    /// Two requests reached the model: the first required the plugin function (and got a call with an integer and a
    /// string argument, which the kernel ran), the second carried the call and its result and was answered with the
    /// text the caller got — the same text the model gives for that history directly.
    /// </summary>
    private static async Task AssertOneCallThenTheAnswerAsync(CallCountingChatClient model, HeroPlugin hero, string answer)
    {
        var requests = model.Requests;
        Assert.Equal(2, requests.Count); // the loop ends: Required applies to the first request only

        var first = requests[0].Options!;
        Assert.Equal(ChatToolMode.RequireAny, first.ToolMode); // Required([f]): a call, of the only tool offered
        Assert.Contains(nameof(HeroPlugin.NameHero), Assert.Single(first.Tools!).Name, StringComparison.Ordinal);

        var (animal, age) = Assert.Single(hero.Calls); // schema-valid: a string and an int reached the .NET method
        Assert.NotNull(animal);

        var followUp = requests[1];
        var call = Assert.Single(followUp.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        var result = Assert.Single(followUp.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal(call.CallId, result.CallId);
        Assert.Equal(HeroPlugin.Describe(animal, age), result.Result?.ToString());
        Assert.False(followUp.Options?.ToolMode is RequiredChatToolMode, "the follow-up does not require another call");

        Assert.False(string.IsNullOrWhiteSpace(answer));
        using var direct = SharedModel.CreateClient();
        var expected = await direct.GetResponseAsync(followUp.Messages, new ChatOptions { Temperature = 0, MaxOutputTokens = MaxTokens });
        Assert.Equal(expected.Text, answer);
    }

    private static (Kernel Kernel, Func<CallCountingChatClient> Model, HeroPlugin Hero, PromptExecutionSettings Settings) CreateKernelWithPlugin()
    {
        CallCountingChatClient? model = null;
        var kernel = Kernel.CreateBuilder()
            .AddBitNetChatClient(o =>
            {
                o.ModelPath = TinyModel.Path;
                o.ActivationQuantization = ActivationQuantization.None; // as SharedModel, so that answers compare exactly
                o.Temperature = 0;
                o.MaxOutputTokens = MaxTokens;
            }, configurePipeline: pipeline => pipeline.Use(inner => model = new CallCountingChatClient(inner)))
            .Build();
        var hero = new HeroPlugin();
        var plugin = kernel.Plugins.AddFromObject(hero, "Story");
        var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Required([plugin[nameof(HeroPlugin.NameHero)]]) };
        return (kernel, () => model!, hero, settings);
    }

    /// <summary>A kernel plugin with parameters, recording what the kernel called it with.</summary>
    public sealed class HeroPlugin
    {
        private readonly List<(string Animal, int Age)> _calls = [];

        /// <summary>The arguments of every call, in order.</summary>
        public IReadOnlyList<(string Animal, int Age)> Calls => _calls;

        /// <summary>The text a call returns.</summary>
        public static string Describe(string animal, int age) => $"The hero is {animal}, {age} years old.";

        /// <summary>Names the hero of the story.</summary>
        [KernelFunction, Description("Chooses the hero of the story.")]
        public string NameHero([Description("The kind of animal.")] string animal, [Description("Its age in years.")] int age)
        {
            _calls.Add((animal, age));
            return Describe(animal, age);
        }
    }
}
