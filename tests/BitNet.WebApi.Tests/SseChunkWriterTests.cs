using System.IO.Pipelines;
using System.Text;
using BitNet.Extensions.AI.Hosting.Streaming;
using BitNet.Tests;

namespace BitNet.WebApi.Tests;

/// <summary>The per-token event writer: OpenAI's exact chunk shape, and no allocation per token.</summary>
public sealed class SseChunkWriterTests
{
    [Fact]
    public void TextChunk_IsOneServerSentEvent_InOpenAIsChunkShape_WithRawUtf8()
    {
        var output = new MemoryStream();
        var pipe = PipeWriter.Create(output);
        using var writer = new SseChunkWriter(pipe, SseChunkKind.Chat, "chatcmpl-1", 1700000000, "m");

        Complete(writer.WriteTextAsync("Lily's \"café\"\n", default));
        Complete(writer.WriteFinishAsync("stop", default));
        Complete(writer.WriteDoneAsync(default));

        Assert.Equal(
            """data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"content":"Lily's \"café\"\n"},"logprobs":null,"finish_reason":null}]}""" + "\n\n" +
            """data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}""" + "\n\n" +
            "data: [DONE]\n\n",
            Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public void TextChunks_AllocateNothingPerToken()
    {
        var pipe = PipeWriter.Create(Stream.Null);
        using var writer = new SseChunkWriter(pipe, SseChunkKind.Chat, "chatcmpl-1", 1700000000, "TinyStories BitNet b1.58 4M");
        const string token = " little";
        for (var i = 0; i < 100; i++) Complete(writer.WriteTextAsync(token, default)); // warm the pipe's buffers and the JIT

        var bytes = Allocations.Measure(() =>
        {
            for (var i = 0; i < 1000; i++) Complete(writer.WriteTextAsync(token, default));
        });

        Assert.Equal(0, bytes);
    }

    private static void Complete(ValueTask<FlushResult> flush)
    {
        Assert.True(flush.IsCompletedSuccessfully);
        flush.GetAwaiter().GetResult();
    }
}
