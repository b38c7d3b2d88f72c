using System.Text.Json.Serialization;

namespace BitNet.Extensions.AI.Hosting.Wire;

/// <summary>A non-streaming <c>chat.completion</c>.</summary>
internal sealed class ChatCompletionResponse
{
    public required string Id { get; init; }
    public string Object => "chat.completion";
    public required long Created { get; init; }
    public required string Model { get; init; }
    public required ChatChoiceWire[] Choices { get; init; }
    public UsageWire? Usage { get; init; }
}

/// <summary>The one choice of a chat completion.</summary>
internal sealed class ChatChoiceWire
{
    public int Index { get; init; }
    public required AssistantMessageWire Message { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Logprobs => null;
    public required string FinishReason { get; init; }
}

/// <summary>The assistant's message: text, tool calls, or both.</summary>
internal sealed class AssistantMessageWire
{
    public string Role => "assistant";
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Content { get; init; }
    public ToolCallWire[]? ToolCalls { get; init; }
}
