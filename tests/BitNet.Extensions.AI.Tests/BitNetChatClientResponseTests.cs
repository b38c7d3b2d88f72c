using BitNet.Runtime;
using BitNet.Runtime.Model;
using BitNet.Tests;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

public sealed class BitNetChatClientResponseTests
{
    [Fact]
    public async Task Greedy_OnceUponATime_IsTheReferenceContinuation_EndingAtEndOfSequence()
    {
        var reference = SharedModel.Prompts[0];
        Assert.Equal("Once upon a time", reference.Prompt);
        using var client = SharedModel.CreateClient();

        var response = await client.GetResponseAsync(reference.Prompt, SharedModel.GreedyChat());

        Assert.Equal(reference.NoQuant.GreedyText, response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        // The story format renders exactly BOS + the prompt's ids; the reference's greedy ids end with </s>.
        Assert.Equal(reference.PromptIds.Length, response.Usage!.InputTokenCount);
        Assert.Equal(reference.NoQuant.GreedyIds.Length, response.Usage.OutputTokenCount);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
    }

    public static TheoryData<string> ReferencePrompts => [.. ReferenceOutputs.Instance.Prompts.Select(p => p.Prompt)];

    [Theory]
    [MemberData(nameof(ReferencePrompts))]
    public async Task Greedy_EqualsTheEnginesGreedyContinuation(string prompt)
    {
        using var client = SharedModel.CreateClient();
        var (expected, generation) = SharedModel.Engine(prompt, SharedModel.Greedy(maxTokens: 40));

        var response = await client.GetResponseAsync(prompt, SharedModel.GreedyChat(maxOutputTokens: 40));

        Assert.Equal(expected, response.Text);
        Assert.Equal(generation.PromptTokenCount, response.Usage!.InputTokenCount);
        Assert.Equal(generation.GeneratedIds.Count, response.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task Response_IsOneAssistantMessage_WithIdsModelAndTime()
    {
        using var client = SharedModel.CreateClient();
        var before = DateTimeOffset.UtcNow;

        var response = await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(maxOutputTokens: 8));

        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        var text = Assert.IsType<TextContent>(Assert.Single(message.Contents));
        Assert.False(string.IsNullOrEmpty(text.Text));
        Assert.StartsWith("bitnet-", response.ResponseId, StringComparison.Ordinal);
        Assert.Equal(39, response.ResponseId!.Length);
        Assert.Equal(response.ResponseId, message.MessageId);
        Assert.Equal(SharedModel.Model.ModelId, response.ModelId);
        Assert.InRange(response.CreatedAt!.Value, before, DateTimeOffset.UtcNow);
        Assert.Equal(response.CreatedAt, message.CreatedAt);
        Assert.Null(response.ConversationId);
        Assert.Equal(0, response.Usage!.CachedInputTokenCount);
    }

    [Fact]
    public async Task EachResponse_HasANewId()
    {
        using var client = SharedModel.CreateClient();
        var first = await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(maxOutputTokens: 2));
        var second = await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(maxOutputTokens: 2));
        Assert.NotEqual(first.ResponseId, second.ResponseId);
    }

    [Fact]
    public async Task MaxOutputTokens_EndsWithLength_AndCountsThoseTokens()
    {
        using var client = SharedModel.CreateClient();
        var response = await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(maxOutputTokens: 5));
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(5, response.Usage!.OutputTokenCount);
        Assert.Equal(SharedModel.Engine("Once upon a time", SharedModel.Greedy(5)).Text, response.Text);
    }

    [Fact]
    public async Task DefaultMaxOutputTokens_FromTheClientOptions()
    {
        using var client = SharedModel.CreateClient(new BitNetChatClientOptions { Temperature = 0, MaxOutputTokens = 3 });
        var response = await client.GetResponseAsync("Once upon a time");
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(3, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task FullContext_EndsWithLength()
    {
        using var model = TinyModel.Load(ActivationQuantization.None, contextLength: 16);
        using var client = new BitNetChatClient(new BitNetRuntime(model));

        var response = await client.GetResponseAsync("Once upon a time", new ChatOptions { Temperature = 0 });

        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(5, response.Usage!.InputTokenCount);
        Assert.Equal(16 - 5 + 1, response.Usage.OutputTokenCount); // the last token is sampled, never evaluated
    }

    [Fact]
    public async Task PromptLongerThanTheContext_FailsClearly_NothingIsTruncated()
    {
        using var client = SharedModel.CreateClient();
        var prompt = string.Join(' ', Enumerable.Repeat("Once upon a time, there was a little dog.", 40));
        var tokens = SharedModel.Model.Tokenizer.Encode(prompt).Length;
        Assert.True(tokens > 256);

        var error = await Assert.ThrowsAsync<ContextLengthExceededException>(() => client.GetResponseAsync(prompt));

        Assert.Equal(tokens, error.RequiredTokens);
        Assert.Equal(256, error.ContextLength);
        Assert.Contains($"{tokens} tokens", error.Message, StringComparison.Ordinal);
        Assert.Contains("256", error.Message, StringComparison.Ordinal);
        Assert.Contains("ContextLength", error.Message, StringComparison.Ordinal);
        // The session went back to the pool: the next request runs.
        Assert.NotEmpty((await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(2))).Text);
    }

    [Fact]
    public async Task Seed_ReproducesTheText_AndDifferentSeedsVary()
    {
        using var client = SharedModel.CreateClient();
        ChatOptions Seeded(long seed) => new() { Seed = seed, MaxOutputTokens = 24 };

        var first = await client.GetResponseAsync("Once upon a time", Seeded(7));
        var again = await client.GetResponseAsync("Once upon a time", Seeded(7));
        Assert.Equal(first.Text, again.Text);

        var others = new HashSet<string> { first.Text };
        for (var seed = 8; seed < 12; seed++) others.Add((await client.GetResponseAsync("Once upon a time", Seeded(seed))).Text);
        Assert.True(others.Count > 1, "different seeds should give different stories");
    }

    [Fact]
    public async Task WithoutSeed_OutputVaries()
    {
        using var client = SharedModel.CreateClient();
        var texts = new HashSet<string>();
        for (var i = 0; i < 4; i++)
            texts.Add((await client.GetResponseAsync("Once upon a time", new ChatOptions { Temperature = 1, MaxOutputTokens = 24 })).Text);
        Assert.True(texts.Count > 1, "unseeded sampling should not repeat itself four times");
    }

    [Fact]
    public async Task StopSequence_AcrossTokenBoundaries_EndsWithStop_AndIsNotReturned()
    {
        const string stop = "rl nam"; // inside "girl named": spans the tokens "▁girl" and "▁named"
        var full = SharedModel.Prompts[0].NoQuant.GreedyText;
        var at = full.IndexOf(stop, StringComparison.Ordinal);
        Assert.True(at > 0);
        using var client = SharedModel.CreateClient();

        var response = await client.GetResponseAsync("Once upon a time", new ChatOptions { Temperature = 0, StopSequences = [stop] });

        Assert.Equal(full[..at], response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task SystemMessagesAndInstructions_DoNotChangeTheStory()
    {
        using var client = SharedModel.CreateClient();
        var plain = await client.GetResponseAsync("Once upon a time", SharedModel.GreedyChat(20));

        var options = SharedModel.GreedyChat(20);
        options.Instructions = "Write a poem about the sea.";
        var withSystem = await client.GetResponseAsync(
            [new(ChatRole.System, "You are a pirate."), new(ChatRole.User, "Once upon a time")], options);

        Assert.Equal(plain.Text, withSystem.Text);
        Assert.Equal(plain.Usage!.InputTokenCount, withSystem.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task EmptyMessages_AreTolerated_AndTheModelStartsAStory()
    {
        using var client = SharedModel.CreateClient();
        var response = await client.GetResponseAsync(
            [new(ChatRole.System, ""), new(ChatRole.User, ""), new(ChatRole.Assistant, "")], SharedModel.GreedyChat(10));
        Assert.Equal(1, response.Usage!.InputTokenCount); // just <s>
        Assert.NotEmpty(response.Text);
    }

    [Fact]
    public async Task MultiTurn_ContinuesTheSameStory()
    {
        using var client = SharedModel.CreateClient();
        var response = await client.GetResponseAsync(
            [new(ChatRole.User, "Once upon a time"), new(ChatRole.Assistant, ", there was a little girl named Lily."), new(ChatRole.User, "One day")],
            SharedModel.GreedyChat(12));
        var expected = SharedModel.Engine("Once upon a time, there was a little girl named Lily. One day", SharedModel.Greedy(12));
        Assert.Equal(expected.Text, response.Text);
    }

    [Fact]
    public async Task ArgumentAndContentErrors_AreThrownBeforeAnyWork()
    {
        using var client = SharedModel.CreateClient();
        Assert.Throws<ArgumentNullException>("messages", () => { _ = client.GetResponseAsync((IEnumerable<ChatMessage>)null!); });
        Assert.Throws<NotSupportedException>(() =>
        {
            _ = client.GetResponseAsync([new ChatMessage(ChatRole.User, [new UriContent("https://example.com/a.png", "image/png")])]);
        });
        Assert.Throws<ArgumentOutOfRangeException>("options", () => { _ = client.GetResponseAsync("Once", new ChatOptions { TopK = -1 }); });
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Messages_AreEnumeratedOnce_AndOptionsAreNotModified()
    {
        using var client = SharedModel.CreateClient();
        var messages = new CountingEnumerable<ChatMessage>([new(ChatRole.User, "Once upon a time")]);
        var options = new ChatOptions { Temperature = 0, StopSequences = ["zzz"] };

        await client.GetResponseAsync(messages, options);

        Assert.Equal(1, messages.Enumerations);
        Assert.Null(options.MaxOutputTokens);
        Assert.Null(options.Seed);
        Assert.Null(options.TopP);
        Assert.Null(options.ModelId);
        Assert.Equal(["zzz"], options.StopSequences);
    }

    [Fact]
    public async Task RequestedModelId_IsIgnored_TheActualOneIsReported()
    {
        using var client = SharedModel.CreateClient(new BitNetChatClientOptions { ModelId = "tiny-stories" });
        var options = SharedModel.GreedyChat(2);
        options.ModelId = "gpt-4o";
        var response = await client.GetResponseAsync("Once upon a time", options);
        Assert.Equal("tiny-stories", response.ModelId);
    }
}
