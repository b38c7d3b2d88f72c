using System.Text.Json.Serialization;

namespace BitNet.Extensions.AI.Hosting.Wire;

/// <summary>A non-streaming <c>text_completion</c>.</summary>
internal sealed class CompletionResponse
{
    public required string Id { get; init; }
    public string Object => "text_completion";
    public required long Created { get; init; }
    public required string Model { get; init; }
    public required CompletionChoiceWire[] Choices { get; init; }
    public UsageWire? Usage { get; init; }
}

/// <summary>The one choice of a text completion.</summary>
internal sealed class CompletionChoiceWire
{
    public required string Text { get; init; }
    public int Index { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Logprobs => null;
    public required string FinishReason { get; init; }
}
