using Microsoft.Extensions.AI;
using OpenAI.Chat;
using MeaiChatFinishReason = Microsoft.Extensions.AI.ChatFinishReason;
using OpenAIChatFinishReason = OpenAI.Chat.ChatFinishReason;

namespace BitNet.WebApi.Tests;

/// <summary>POST /v1/chat/completions on the real model, driven by the official OpenAI client and by Microsoft.Extensions.AI.OpenAI.</summary>
public sealed class ChatCompletionTests(BitNetServerFixture fixture) : IClassFixture<BitNetServerFixture>
{
    private const string Prompt = "Once upon a time, a little fox";

    private ChatClient Chat => fixture.Server.OpenAI.GetChatClient(fixture.ModelId);

    [Fact]
    public async Task NonStreaming_GreedyTextAndUsage_EqualTheInProcessClient()
    {
        var expected = await fixture.InProcessClient.GetResponseAsync(Prompt, new ChatOptions { Temperature = 0, MaxOutputTokens = 24 });

        ChatCompletion completion = await Chat.CompleteChatAsync([new UserChatMessage(Prompt)],
            new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 24 });

        Assert.Equal(expected.Text, Assert.Single(completion.Content).Text);
        Assert.Equal(OpenAIChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(fixture.ModelId, completion.Model);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.Equal(expected.Usage!.InputTokenCount, completion.Usage.InputTokenCount);
        Assert.Equal(24, completion.Usage.OutputTokenCount);
        Assert.Equal(completion.Usage.InputTokenCount + 24, completion.Usage.TotalTokenCount);
        // The in-process request left this prompt's KV cache behind: all but its last token are reused.
        Assert.Equal(completion.Usage.InputTokenCount - 1, completion.Usage.InputTokenDetails.CachedTokenCount);
    }

    [Fact]
    public async Task Streaming_ConcatenatedChunksEqualTheNonStreamingAnswer_WithOneUsageChunk()
    {
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 30 };
        ChatCompletion whole = await Chat.CompleteChatAsync([new UserChatMessage(Prompt)], options);

        var text = new System.Text.StringBuilder();
        var chunks = 0;
        OpenAIChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in Chat.CompleteChatStreamingAsync([new UserChatMessage(Prompt)], options))
        {
            chunks++;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            if (update.Usage is not null)
            {
                Assert.Null(usage); // exactly one usage chunk
                usage = update.Usage;
            }
        }

        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.True(chunks > 10, $"{chunks} chunks: one per token expected");
        Assert.Equal(OpenAIChatFinishReason.Length, finish);
        Assert.NotNull(usage);
        Assert.Equal(30, usage.OutputTokenCount);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
    }

    [Fact]
    public async Task StopSequence_EndsTheAnswerBeforeIt_WithFinishReasonStop()
    {
        var greedy = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 40 };
        string free = (await Chat.CompleteChatAsync([new UserChatMessage(Prompt)], greedy)).Value.Content[0].Text;
        var stopAt = free.IndexOf(' ', 10);
        Assert.True(stopAt > 0, free);
        var stop = free.Substring(stopAt, 4);

        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 40 };
        options.StopSequences.Add(stop);
        ChatCompletion stopped = await Chat.CompleteChatAsync([new UserChatMessage(Prompt)], options);

        Assert.Equal(free[..free.IndexOf(stop, StringComparison.Ordinal)], stopped.Content[0].Text);
        Assert.Equal(OpenAIChatFinishReason.Stop, stopped.FinishReason);
    }

#pragma warning disable OPENAI001 // Seed is marked experimental in the OpenAI client.
    [Fact]
    public async Task Seed_SameSeedGivesTheSameSampledText_AnotherSeedDiffers()
    {
        ChatCompletionOptions Sampled(long seed) => new() { Temperature = 1.0f, TopP = 1.0f, Seed = seed, MaxOutputTokenCount = 40 };

        string first = (await Chat.CompleteChatAsync([new UserChatMessage(Prompt)], Sampled(7))).Value.Content[0].Text;
        string again = (await Chat.CompleteChatAsync([new UserChatMessage(Prompt)], Sampled(7))).Value.Content[0].Text;
        string other = (await Chat.CompleteChatAsync([new UserChatMessage(Prompt)], Sampled(8))).Value.Content[0].Text;

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }
#pragma warning restore OPENAI001

    [Fact]
    public async Task MicrosoftExtensionsAIOpenAI_AsIChatClient_StreamsAndAnswersLikeTheInProcessClient()
    {
        using IChatClient remote = Chat.AsIChatClient();
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 20 };
        var expected = await fixture.InProcessClient.GetResponseAsync(Prompt, options);

        var response = await remote.GetResponseAsync(Prompt, options);
        var streamed = await remote.GetStreamingResponseAsync(Prompt, options).ToChatResponseAsync();

        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(expected.Text, streamed.Text);
        Assert.Equal(MeaiChatFinishReason.Length, response.FinishReason);
        Assert.Equal(MeaiChatFinishReason.Length, streamed.FinishReason);
        Assert.Equal(20, response.Usage!.OutputTokenCount);
        Assert.Equal(20, streamed.Usage!.OutputTokenCount);
        Assert.Equal(fixture.ModelId, response.ModelId);
    }

    [Fact]
    public async Task MultiTurnConversation_ContinuesTheStory_LikeTheInProcessClient()
    {
        List<Microsoft.Extensions.AI.ChatMessage> history =
        [
            new(ChatRole.System, "ignored by the story model"),
            new(ChatRole.User, "Once upon a time"),
            new(ChatRole.Assistant, ", there was a cat."),
            new(ChatRole.User, "The cat liked"),
        ];
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 16 };
        var expected = await fixture.InProcessClient.GetResponseAsync(history, options);

        using IChatClient remote = Chat.AsIChatClient();
        var response = await remote.GetResponseAsync(history, options);

        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(expected.Usage!.InputTokenCount, response.Usage!.InputTokenCount);
    }
}
