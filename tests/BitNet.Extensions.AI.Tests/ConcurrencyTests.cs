using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

public sealed class ConcurrencyTests
{
    private static ChatOptions Options(int seed) => new() { Seed = seed, MaxOutputTokens = 30 };

    private static readonly string[] s_prompts = ["Once upon a time", "One day, a little dog named Max", "The sun was shining and"];

    [Fact]
    public async Task ConcurrentRequests_GiveTheSameResultsAsSequentialOnes()
    {
        using var client = SharedModel.CreateClient(maxConcurrentRequests: 3);
        var requests = Enumerable.Range(0, 6).Select(i => (Prompt: s_prompts[i % s_prompts.Length], Seed: 100 + i)).ToArray();

        var sequential = new List<string>();
        foreach (var (prompt, seed) in requests)
            sequential.Add((await client.GetResponseAsync(prompt, Options(seed))).Text);

        // Half streaming, half not, all at once: more requests than slots, so some wait for a session.
        var concurrent = await Task.WhenAll(requests.Select((r, i) => i % 2 == 0
            ? client.GetResponseAsync(r.Prompt, Options(r.Seed)).ContinueWith(t => t.Result.Text, TaskScheduler.Default)
            : client.GetStreamingResponseAsync(r.Prompt, Options(r.Seed)).ToChatResponseAsync().ContinueWith(t => t.Result.Text, TaskScheduler.Default)));

        Assert.Equal(sequential, concurrent);
    }

    [Fact]
    public async Task SeveralClients_OnOneRuntime_ShareItsSlots()
    {
        var runtime = new BitNetRuntime(SharedModel.Model, maxConcurrentRequests: 2);
        using var a = new BitNetChatClient(runtime);
        using var b = new BitNetChatClient(runtime);

        var results = await Task.WhenAll(
            a.GetResponseAsync("Once upon a time", Options(1)),
            b.GetResponseAsync("Once upon a time", Options(1)),
            a.GetResponseAsync("Once upon a time", Options(1)));

        Assert.Single(results.Select(r => r.Text).Distinct());
        runtime.Dispose();
    }
}
