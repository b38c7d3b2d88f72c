using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

public sealed class StoryPromptFormatterTests
{
    [Fact]
    public void SingleUserMessage_IsTheStoryAsIs()
    {
        Assert.Equal("Once upon a time", StoryPromptFormatter.Format([new(ChatRole.User, "Once upon a time")]));
    }

    [Fact]
    public void SystemMessages_AreLeftOut()
    {
        var story = StoryPromptFormatter.Format(
        [
            new(ChatRole.System, "You are a storyteller."),
            new(ChatRole.User, "Once upon a time"),
            new(ChatRole.System, "Be brief."),
        ]);
        Assert.Equal("Once upon a time", story);
    }

    [Fact]
    public void Turns_ContinueOneStory_JoinedWithASpaceOnlyWhereWordsWouldRunTogether()
    {
        var story = StoryPromptFormatter.Format(
        [
            new(ChatRole.User, "Once upon a time"),
            new(ChatRole.Assistant, ", there was a fox."),
            new(ChatRole.User, "One day"),
            new(ChatRole.Assistant, " it ran"),
            new(ChatRole.User, "'s way home.\nThe end"),
        ]);
        Assert.Equal("Once upon a time, there was a fox. One day it ran's way home.\nThe end", story);
    }

    [Fact]
    public void EmptyMessagesAndOuterSpaces_AreTolerated()
    {
        var story = StoryPromptFormatter.Format(
        [
            new(ChatRole.User, ""),
            new(ChatRole.Assistant, (string?)null),
            new(ChatRole.User, "  Once upon a time \t"),
            new(ChatRole.Assistant, "   "),
        ]);
        Assert.Equal("Once upon a time", story);
        Assert.Equal("", StoryPromptFormatter.Format([]));
        Assert.Equal("", StoryPromptFormatter.Format([new(ChatRole.System, "Only instructions.")]));
    }

    [Fact]
    public void TrailingNewline_IsKept()
    {
        Assert.Equal("The end.\n", StoryPromptFormatter.Format([new(ChatRole.User, "The end.\n")]));
    }

    [Fact]
    public void SeveralTextContents_InOneMessage_AreConcatenated()
    {
        var message = new ChatMessage(ChatRole.User, [new TextContent("Once upon "), new TextContent("a time")]);
        Assert.Equal("Once upon a time", StoryPromptFormatter.Format([message]));
    }

    [Fact]
    public void UsageContent_IsIgnored()
    {
        var message = new ChatMessage(ChatRole.Assistant, [new TextContent("a fox"), new UsageContent(new UsageDetails { InputTokenCount = 3 })]);
        Assert.Equal("Once a fox", StoryPromptFormatter.Format([new(ChatRole.User, "Once"), message]));
    }

    [Fact]
    public void NonTextContent_IsNotSupported_AndTheMessageSaysWhich()
    {
        var image = new ChatMessage(ChatRole.User, [new TextContent("Look:"), new DataContent(new byte[] { 1, 2, 3 }, "image/png")]);
        var error = Assert.Throws<NotSupportedException>(() => StoryPromptFormatter.Format([new(ChatRole.User, "Hi"), image]));
        Assert.Contains("DataContent", error.Message, StringComparison.Ordinal);
        Assert.Contains("Message 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolCallsAndResults_AreWrittenIntoTheStory()
    {
        var call = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "count", new Dictionary<string, object?>())]);
        var tool = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call-1", "42")]);
        Assert.Equal("Once upon a time {\"name\":\"count\",\"arguments\":{}} 42", StoryPromptFormatter.Format([new(ChatRole.User, "Once upon a time"), call, tool]));
    }

    [Fact]
    public void Messages_AreEnumeratedOnce()
    {
        var messages = new CountingEnumerable<ChatMessage>([new(ChatRole.User, "Once upon a time")]);
        StoryPromptFormatter.Format(messages);
        Assert.Equal(1, messages.Enumerations);
    }
}
