namespace BitNet.Extensions.AI.Hosting.Streaming;

/// <summary>Which OpenAI stream a <see cref="SseChunkWriter"/> writes.</summary>
internal enum SseChunkKind
{
    /// <summary><c>chat.completion.chunk</c>: <c>choices[0].delta</c> holds the new text or tool calls.</summary>
    Chat,

    /// <summary><c>text_completion</c>: <c>choices[0].text</c> holds the new text.</summary>
    Text,
}
