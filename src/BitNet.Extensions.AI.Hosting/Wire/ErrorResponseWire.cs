using System.Text.Json.Serialization;

namespace BitNet.Extensions.AI.Hosting.Wire;

/// <summary>OpenAI's error body: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal sealed class ErrorResponseWire
{
    public required ErrorWire Error { get; init; }
}

/// <summary>The error itself; <c>param</c> and <c>code</c> are written as null when unset, as OpenAI does.</summary>
internal sealed class ErrorWire
{
    public required string Message { get; init; }
    public required string Type { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Param { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Code { get; init; }
}
