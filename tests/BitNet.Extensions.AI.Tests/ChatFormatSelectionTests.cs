using BitNet.Runtime.Chat;
using BitNet.Runtime.Synthesis;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>The provider renders prompts in the model's chat format, and keeps the story prompt for story models.</summary>
public sealed class ChatFormatSelectionTests
{
    [Fact]
    public void The_shipped_story_model_keeps_its_story_format()
    {
        using var client = SharedModel.CreateClient();
        Assert.Null(client.ChatTemplate);
    }

    [Fact]
    public void Messages_become_turns_with_instructions_first()
    {
        var turns = ChatTurnConverter.Convert(
        [
            new(ChatRole.System, "Be kind."),
            new(ChatRole.User, [new TextContent("Hi "), new TextContent("there"), new UsageContent(new UsageDetails())]),
            new(ChatRole.Assistant, "Hello!"),
            new(new ChatRole("narrator"), "Later..."),
        ], instructions: "Answer briefly.");
        Assert.Equal(
        [
            new ChatTurn("system", "Answer briefly."), new ChatTurn("system", "Be kind."), new ChatTurn("user", "Hi there"),
            new ChatTurn("assistant", "Hello!"), new ChatTurn("narrator", "Later..."),
        ], turns);
    }

    [Fact]
    public void Tool_messages_become_tool_turns_and_non_text_content_is_refused()
    {
        var turns = ChatTurnConverter.Convert(
        [
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "add", new Dictionary<string, object?> { ["a"] = 1 })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", 42)]),
        ], null);
        Assert.Equal([new ChatTurn("assistant", "{\"name\":\"add\",\"arguments\":{\"a\":1}}"), new ChatTurn("tool", "42")], turns);
        Assert.Throws<NotSupportedException>(() => ChatTurnConverter.Convert([new(ChatRole.User, [new DataContent(new byte[] { 1 }, "image/png")])], null));
    }

    [Fact]
    public async Task A_model_with_a_chat_format_gets_its_conversation_rendered_in_it()
    {
        var directory = Directory.CreateTempSubdirectory("bitnet-chat-format-").FullName;
        try
        {
            var path = Path.Combine(directory, "tiny-bpe.gguf");
            new SyntheticModel(new SyntheticModelOptions { Vocabulary = SyntheticVocabularyKind.ByteLevel, Seed = 5 }).WriteFile(path);
            using var client = new BitNetChatClient(new BitNetChatClientOptions { ModelPath = path, ContextLength = 128 });
            Assert.Same(BitNet2B4TChatTemplate.Instance, client.ChatTemplate);

            var response = await client.GetResponseAsync(
                [new(ChatRole.System, "You are helpful."), new(ChatRole.User, "Hi")],
                new ChatOptions { MaxOutputTokens = 3, Temperature = 0 });
            var tokenizer = client.Runtime.Model.Tokenizer;
            var expected = BitNet2B4TChatTemplate.Instance.Render([new("system", "You are helpful."), new("user", "Hi")], tokenizer);
            Assert.Equal(expected.Length, response.Usage!.InputTokenCount);
            Assert.Equal(3, response.Usage.OutputTokenCount);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
