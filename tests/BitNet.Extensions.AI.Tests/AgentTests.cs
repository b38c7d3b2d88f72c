using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>The Microsoft Agent Framework's ChatClientAgent over the BitNet client, as in samples/AgentDemo.</summary>
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
}
