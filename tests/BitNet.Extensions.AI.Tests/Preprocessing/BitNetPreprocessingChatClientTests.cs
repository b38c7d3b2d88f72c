using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests.Preprocessing;

/// <summary>What <see cref="BitNetPreprocessingChatClient"/> passes on, and that it never changes the caller's objects.</summary>
public sealed class BitNetPreprocessingChatClientTests
{
    [Fact]
    public async Task RewritesTextContent_KeepsEverythingElse_AndLeavesTheCallersObjectsUnchanged()
    {
        var image = new DataContent(new byte[] { 1, 2, 3 }, "image/png");
        var text = new TextContent("  Once up\u00ADon a   time\u200B ") { AdditionalProperties = new() { ["k"] = "v" }, RawRepresentation = "raw" };
        var user = new ChatMessage(ChatRole.User, [text, image])
        {
            AuthorName = "reader",
            MessageId = "m1",
            AdditionalProperties = new() { ["p"] = 1 },
        };
        var clean = new ChatMessage(ChatRole.User, "there was a cat.");
        var messages = new List<ChatMessage> { user, clean };
        var options = new ChatOptions { Instructions = "Be\u00A0\u00A0kind.\r\n", Temperature = 0.5f };
        var inner = new RecordingChatClient();
        using var client = new BitNetPreprocessingChatClient(inner);

        await client.GetResponseAsync(messages, options);

        // The caller's objects are as they were.
        Assert.Equal("  Once up\u00ADon a   time\u200B ", text.Text);
        Assert.Equal([text, image], user.Contents);
        Assert.Equal(2, messages.Count);
        Assert.Equal("Be\u00A0\u00A0kind.\r\n", options.Instructions);

        // The inner client got a copy of the changed message, the unchanged one as it is, and cloned options.
        var received = inner.Messages!;
        Assert.NotSame(user, received[0]);
        Assert.Same(clean, received[1]);
        Assert.Equal(ChatRole.User, received[0].Role);
        Assert.Equal("reader", received[0].AuthorName);
        Assert.Equal("m1", received[0].MessageId);
        Assert.Same(user.AdditionalProperties, received[0].AdditionalProperties);
        var receivedText = Assert.IsType<TextContent>(received[0].Contents[0]);
        Assert.Equal("Once upon a time", receivedText.Text);
        Assert.Same(text.AdditionalProperties, receivedText.AdditionalProperties);
        Assert.Equal("raw", receivedText.RawRepresentation);
        Assert.Same(image, received[0].Contents[1]);
        Assert.NotSame(options, inner.Options);
        Assert.Equal("Be kind.", inner.Options!.Instructions);
        Assert.Equal(0.5f, inner.Options.Temperature);
    }

    [Fact]
    public async Task UnchangedRequests_PassTheSameObjects()
    {
        var message = new ChatMessage(ChatRole.User, "Once upon a time");
        var options = new ChatOptions { Instructions = "Tell a story." };
        var inner = new RecordingChatClient();
        using var client = new BitNetPreprocessingChatClient(inner);

        await client.GetResponseAsync([message], options);

        Assert.Same(message, Assert.Single(inner.Messages!));
        Assert.Same(options, inner.Options);
    }

    [Fact]
    public async Task TheTextItemsOfAMessage_AreProcessedAsOneText()
    {
        var inner = new RecordingChatClient();
        using var client = new BitNetPreprocessingChatClient(inner);

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, [new TextContent("Once upon "), new TextContent("  a time ")])]);

        var contents = Assert.Single(inner.Messages!).Contents;
        Assert.Equal(["Once upon", " a time"], contents.Select(c => ((TextContent)c).Text));
    }

    [Fact]
    public async Task AssistantMessages_AreLeftAsGenerated_UnlessConfigured()
    {
        var assistant = new ChatMessage(ChatRole.Assistant, "The cat  ran.\n");
        var system = new ChatMessage(ChatRole.System, "  Be kind. ");
        var inner = new RecordingChatClient();

        using (var client = new BitNetPreprocessingChatClient(inner))
        {
            await client.GetResponseAsync([system, assistant]);
            Assert.Equal("Be kind.", inner.Messages![0].Text);
            Assert.Same(assistant, inner.Messages[1]);
        }

        using (var client = new BitNetPreprocessingChatClient(inner, new BitNetPreprocessingOptions { PreprocessAssistantMessages = true }))
        {
            await client.GetResponseAsync([assistant]);
            Assert.Equal("The cat ran.", Assert.Single(inner.Messages!).Text);
        }
        Assert.Equal("The cat  ran.\n", assistant.Text);
    }

    [Fact]
    public async Task Streaming_PreprocessesTheRequest_AndPassesUpdatesThrough()
    {
        var message = new ChatMessage(ChatRole.User, "Once\u00A0upon a time 🎉🎉🎉🎉🎉");
        var inner = new RecordingChatClient();
        using var client = new BitNetPreprocessingChatClient(inner);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([message], new ChatOptions { Instructions = " Be\u200B brief " }))
            updates.Add(update);

        Assert.Equal("ok", Assert.Single(updates).Text);
        Assert.Equal("Once upon a time 🎉🎉🎉", Assert.Single(inner.Messages!).Text);
        Assert.Equal("Be brief", inner.Options!.Instructions);
        Assert.Equal("Once\u00A0upon a time 🎉🎉🎉🎉🎉", message.Text);
    }

    [Fact]
    public async Task Disabled_PassesTheRequestThroughUntouched()
    {
        IEnumerable<ChatMessage> messages = [new ChatMessage(ChatRole.User, "  a\u200Bb  ")];
        var options = new ChatOptions { Instructions = " x " };
        var inner = new RecordingChatClient();
        using var client = new BitNetPreprocessingChatClient(inner, new BitNetPreprocessingOptions { Enabled = false });

        await client.GetResponseAsync(messages, options);

        Assert.Same(messages, inner.ReceivedEnumerable);
        Assert.Same(options, inner.Options);
    }

    [Fact]
    public async Task TheMessages_AreEnumeratedOnce()
    {
        var messages = new CountingEnumerable<ChatMessage>([new ChatMessage(ChatRole.User, "a  b")]);
        var inner = new RecordingChatClient();
        using var client = new BitNetPreprocessingChatClient(inner);
        await client.GetResponseAsync(messages);
        Assert.Equal(1, messages.Enumerations);
        Assert.Equal("a b", Assert.Single(inner.Messages!).Text);
    }

    [Fact]
    public async Task TheOptions_AreCopied_AndValidated()
    {
        var options = new BitNetPreprocessingOptions();
        var inner = new RecordingChatClient();
        using var client = new BitNetPreprocessingChatClient(inner, options);
        options.EmojiHandling = EmojiHandling.Remove; // too late: the client kept a copy
        await client.GetResponseAsync("🎉");
        Assert.Equal("🎉", Assert.Single(inner.Messages!).Text);

        var error = Assert.Throws<ArgumentException>(() => new BitNetPreprocessingChatClient(new RecordingChatClient(),
            new BitNetPreprocessingOptions { MaxConsecutiveLineBreaks = 0, EmojiReplacement = null! }));
        Assert.Contains("BitNetPreprocessingOptions.MaxConsecutiveLineBreaks is 0; allowed: 1 to 1000", error.Message, StringComparison.Ordinal);
        Assert.Contains("BitNetPreprocessingOptions.EmojiReplacement is null", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => new BitNetPreprocessingChatClient(null!));
    }

    [Fact]
    public async Task NullMessages_AreRejected()
    {
        using var client = new BitNetPreprocessingChatClient(new RecordingChatClient());
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.GetResponseAsync((IEnumerable<ChatMessage>)null!));
        Assert.Throws<ArgumentNullException>(() => client.GetStreamingResponseAsync((IEnumerable<ChatMessage>)null!));
    }
}
