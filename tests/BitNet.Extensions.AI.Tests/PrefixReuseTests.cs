using BitNet.Runtime.Model;
using BitNet.Tests;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>A request that shares a prefix with an earlier one reuses its KV cache and gives exactly the cold answer.</summary>
public sealed class PrefixReuseTests
{
    private static readonly ChatOptions s_greedy = SharedModel.GreedyChat(24);

    private static List<ChatMessage> SecondTurn(string firstAnswer) =>
    [
        new(ChatRole.User, "Once upon a time, a little fox"),
        new(ChatRole.Assistant, firstAnswer),
        new(ChatRole.User, "The next day, the fox"),
    ];

    [Theory]
    [InlineData(ActivationQuantization.None)]
    [InlineData(ActivationQuantization.Int8PerToken)] // batched prefill: the reused suffix starts mid-batch
    public async Task FollowUpTurn_ReusesTheCache_AndAnswersExactlyAsACold(ActivationQuantization quantization)
    {
        using var model = TinyModel.Load(quantization);
        using var warm = new BitNetChatClient(new BitNetRuntime(model));
        using var cold = new BitNetChatClient(new BitNetRuntime(model, new BitNetChatClientOptions { EnablePrefixReuse = false }));

        var first = await warm.GetResponseAsync("Once upon a time, a little fox", s_greedy);
        Assert.Equal(0, first.Usage!.CachedInputTokenCount);
        var reused = await warm.GetResponseAsync(SecondTurn(first.Text), s_greedy);
        var fresh = await cold.GetResponseAsync(SecondTurn(first.Text), s_greedy);

        Assert.Equal(fresh.Text, reused.Text);
        Assert.Equal(fresh.Usage!.InputTokenCount, reused.Usage!.InputTokenCount);
        Assert.Equal(0, fresh.Usage.CachedInputTokenCount);
        // The first turn's prompt and answer (but the answer's last token, never evaluated), up to where tokenization differs.
        Assert.InRange(reused.Usage.CachedInputTokenCount!.Value, 8 + first.Usage.OutputTokenCount!.Value - 4, reused.Usage.InputTokenCount!.Value - 1);
    }

    [Fact]
    public async Task FollowUpTurn_Streaming_ReportsTheCachedTokens()
    {
        using var client = SharedModel.CreateClient();
        var first = await client.GetResponseAsync("Once upon a time, a little fox", s_greedy);
        var updates = await client.GetStreamingResponseAsync(SecondTurn(first.Text), s_greedy).ToListAsync();
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>()).Details;
        Assert.True(usage.CachedInputTokenCount > 8, $"{usage.CachedInputTokenCount} cached");
        Assert.Equal((await client.GetResponseAsync(SecondTurn(first.Text), s_greedy)).Text, updates.ToChatResponse().Text);
    }

    [Fact]
    public async Task SamePromptAgain_ReusesAllButTheLastToken()
    {
        using var client = SharedModel.CreateClient();
        var a = await client.GetResponseAsync("Once upon a time", s_greedy);
        var b = await client.GetResponseAsync("Once upon a time", s_greedy);
        Assert.Equal(a.Text, b.Text);
        Assert.Equal(4, b.Usage!.CachedInputTokenCount); // <s> Once upon a time: 5 tokens, the last evaluated again
    }

    [Fact]
    public async Task ZeroRetainedBytes_KeepsNoSession_AndReusesNothing()
    {
        var runtime = new BitNetRuntime(SharedModel.Model, new BitNetChatClientOptions { MaxRetainedKvCacheBytes = 0 });
        using var client = new BitNetChatClient(runtime);
        await client.GetResponseAsync("Once upon a time", s_greedy);
        Assert.Equal(0, runtime.RetainedSessionCount);
        var again = await client.GetResponseAsync("Once upon a time", s_greedy);
        Assert.Equal(0, again.Usage!.CachedInputTokenCount);
    }

    [Fact]
    public async Task RetainedBytes_AreBounded_LeastRecentlyUsedEvictedFirst()
    {
        using var probe = SharedModel.Model.CreateSession();
        var runtime = new BitNetRuntime(SharedModel.Model, new BitNetChatClientOptions
        {
            MaxConcurrentRequests = 1,
            MaxRetainedKvCacheBytes = 2 * probe.KvCacheBytes,
        });
        using var client = new BitNetChatClient(runtime);
        string[] prompts = ["Once upon a time", "One day, a little dog named Max", "The sun was shining and"];
        foreach (var prompt in prompts) await client.GetResponseAsync(prompt, SharedModel.GreedyChat(4));

        Assert.Equal(2, runtime.RetainedSessionCount);
        Assert.Equal(2 * probe.KvCacheBytes, runtime.RetainedKvCacheBytes);
        // The first conversation was evicted (only <s> can be reused); it takes over the least recently used session
        // (the second conversation's), and the third is still cached.
        Assert.InRange((await client.GetResponseAsync(prompts[0], SharedModel.GreedyChat(4))).Usage!.CachedInputTokenCount!.Value, 0, 1);
        var third = SharedModel.Model.Tokenizer.Encode(prompts[2]).Length;
        Assert.Equal(third - 1, (await client.GetResponseAsync(prompts[2], SharedModel.GreedyChat(4))).Usage!.CachedInputTokenCount);
        Assert.InRange((await client.GetResponseAsync(prompts[1], SharedModel.GreedyChat(4))).Usage!.CachedInputTokenCount!.Value, 0, 1);
    }

    [Fact]
    public async Task ConcurrentConversations_WithReuse_AnswerAsColdOnes()
    {
        using var warm = SharedModel.CreateClient(new BitNetChatClientOptions { MaxRetainedKvCacheBytes = 1L << 30 }, maxConcurrentRequests: 2);
        using var cold = new BitNetChatClient(new BitNetRuntime(SharedModel.Model, new BitNetChatClientOptions { EnablePrefixReuse = false }));
        string[] starts = ["Once upon a time, a little fox", "One day, a little dog named Max", "The sun was shining and"];

        // Each conversation: a first turn, then a follow-up; all conversations at once, twice over.
        async Task<string> Conversation(IChatClient client, string start, int seed)
        {
            var options = new ChatOptions { Seed = seed, MaxOutputTokens = 12 };
            var first = await client.GetResponseAsync(start, options);
            List<ChatMessage> history = [new(ChatRole.User, start), new(ChatRole.Assistant, first.Text), new(ChatRole.User, "Then")];
            return first.Text + "|" + (await client.GetResponseAsync(history, options)).Text;
        }

        var expected = new List<string>();
        for (var round = 0; round < 2; round++)
            foreach (var (start, i) in starts.Select((s, i) => (s, i)))
                expected.Add(await Conversation(cold, start, 10 + i));

        var actual = new List<string>();
        for (var round = 0; round < 2; round++)
            actual.AddRange(await Task.WhenAll(starts.Select((s, i) => Conversation(warm, s, 10 + i))));

        Assert.Equal(expected, actual);
        Assert.InRange(warm.Runtime.RetainedSessionCount, 1, 3);
    }
}
