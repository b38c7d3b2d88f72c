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
    public async Task AgentDemo_BothAgents_StreamTheStory_WithTheirPluginOffered()
    {
        CallCountingChatClient? model = null;
        var services = new ServiceCollection().AddStoryteller(
            o =>
            {
                o.ModelPath = TinyModel.Path;
                o.ActivationQuantization = ActivationQuantization.None; // as SharedModel, so that the texts compare exactly
                o.Temperature = 0;
                o.MaxOutputTokens = 30;
            },
            pipeline => pipeline.Use(inner => model = new CallCountingChatClient(inner)));
        await using var provider = services.BuildServiceProvider();
        using var direct = SharedModel.CreateClient();
        var expected = (await direct.GetResponseAsync("Once upon a time, a little fox", SharedModel.GreedyChat(30))).Text;
        using var console = new StringWriter();

        var agentFramework = await Storyteller.TellWithAgentFrameworkAsync(provider, "Once upon a time, a little fox", console);
        Assert.Contains(model!.LastOptions!.Tools!, t => t.Name.Contains(nameof(StoryPlugin.ChooseHero), StringComparison.Ordinal));
        var semanticKernel = await Storyteller.TellWithSemanticKernelAsync(provider, "Once upon a time, a little fox", console);
        Assert.Contains(model.LastOptions!.Tools!, t => t.Name.Contains(nameof(StoryPlugin.ChooseHero), StringComparison.Ordinal));

        // The instructions stay out of the story prompt: both tell the client's own story, and stream it to the console.
        Assert.Equal(expected, agentFramework);
        Assert.Equal(expected, semanticKernel);
        Assert.Equal(expected + expected, console.ToString());
        Assert.Equal(2, model.CallCount); // the plugin was offered, not called
    }
}
