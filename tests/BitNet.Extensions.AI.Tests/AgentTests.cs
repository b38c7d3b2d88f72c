using AgentDemo;
using BitNet.Runtime.Model;
using BitNet.Tests;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace BitNet.Extensions.AI.Tests;

/// <summary>The Microsoft Agent Framework's ChatClientAgent over the BitNet client, and samples/AgentDemo's own code.</summary>
public sealed class AgentTests
{
    private const string Instructions = "You tell short, happy stories for children. Continue the story the user begins.";

    [Fact]
    public async Task ChatClientAgent_TellsTheStory_TheInstructionsAreNotPartOfIt()
    {
        using var client = SharedModel.CreateClient();
        var expected = await client.GetResponseAsync("Once upon a time, a little fox", SharedModel.GreedyChat(30));
        var agent = new ChatClientAgent(client, Instructions, name: "Storyteller");

        var response = await agent.RunAsync("Once upon a time, a little fox", options: new ChatClientAgentRunOptions(SharedModel.GreedyChat(30)));

        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(expected.Usage!.InputTokenCount, response.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task ChatClientAgent_Streams_TokenByToken()
    {
        using var client = SharedModel.CreateClient();
        var expected = await client.GetResponseAsync("Once upon a time, a little fox", SharedModel.GreedyChat(30));
        var agent = new ChatClientAgent(client, Instructions, name: "Storyteller");

        var pieces = new List<string>();
        await foreach (var update in agent.RunStreamingAsync("Once upon a time, a little fox", options: new ChatClientAgentRunOptions(SharedModel.GreedyChat(30))))
            if (update.Text.Length > 0) pieces.Add(update.Text);

        Assert.True(pieces.Count > 1);
        Assert.Equal(expected.Text, string.Concat(pieces));
    }

    [Fact]
    public async Task AgentDemo_BothAgents_CallThePlugin_PrintTheCall_AndStreamTheStory()
    {
        const int maxTokens = 64; // a required call of Story_ChooseHero needs 44
        CallCountingChatClient? model = null;
        var services = new ServiceCollection().AddStoryteller(
            o =>
            {
                o.ModelPath = TinyModel.Path;
                o.ActivationQuantization = ActivationQuantization.None; // as SharedModel, so that the texts compare exactly
                o.Temperature = 0;
                o.MaxOutputTokens = maxTokens;
            },
            pipeline => pipeline.Use(inner => model = new CallCountingChatClient(inner)));
        await using var provider = services.BuildServiceProvider();
        using var console = new StringWriter();

        var agentFramework = await Storyteller.TellWithAgentFrameworkAsync(provider, "Once upon a time, a little fox", console);
        var semanticKernel = await Storyteller.TellWithSemanticKernelAsync(provider, "Once upon a time, a little fox", console);

        // Each agent: a first request requiring a call of the plugin, then one with the call's result, answered with text.
        var requests = model!.Requests;
        Assert.Equal(4, requests.Count);
        using var direct = SharedModel.CreateClient();
        var stories = new[] { agentFramework, semanticKernel };
        for (var run = 0; run < 2; run++)
        {
            var (_, first) = requests[2 * run];
            Assert.Equal(ChatToolMode.RequireAny, first!.ToolMode);
            Assert.Contains(first.Tools!, t => t.Name.Contains(nameof(StoryPlugin.ChooseHero), StringComparison.Ordinal));
            var (messages, followUp) = requests[2 * run + 1];
            Assert.False(followUp?.ToolMode is RequiredChatToolMode);
            var call = Assert.Single(messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
            Assert.Empty(call.Arguments ?? new Dictionary<string, object?>()); // the function has no parameters
            var result = Assert.Single(messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
            Assert.Equal(call.CallId, result.CallId);
            Assert.Equal(StoryPlugin.ChooseHero(), result.Result?.ToString());

            // The story streamed is the model's answer to the history with the result.
            var options = followUp?.Clone() ?? new ChatOptions();
            options.Temperature = 0;
            options.MaxOutputTokens ??= maxTokens;
            var expected = await direct.GetResponseAsync(messages, options);
            Assert.False(string.IsNullOrWhiteSpace(stories[run]));
            Assert.Equal(expected.Text, stories[run]);
        }

        // The console shows both calls and results, each story after its call.
        var callLine = ToolCallLines.Call(nameof(StoryPlugin.ChooseHero), new Dictionary<string, object?>());
        var resultLine = ToolCallLines.Result(StoryPlugin.ChooseHero());
        var expectedConsole = Environment.NewLine + callLine + Environment.NewLine + resultLine + Environment.NewLine;
        Assert.Equal(expectedConsole + agentFramework + expectedConsole + semanticKernel, console.ToString());
    }
}
