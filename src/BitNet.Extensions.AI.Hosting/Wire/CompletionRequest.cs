using System.Text.Json;

namespace BitNet.Extensions.AI.Hosting.Wire;

/// <summary>The body of <c>POST /v1/completions</c> (the legacy text completion; unknown fields are ignored).</summary>
internal sealed class CompletionRequest : ISamplingRequest
{
    public string? Model { get; set; }
    /// <summary>A string, or an array holding one string.</summary>
    public JsonElement? Prompt { get; set; }
    public float? Temperature { get; set; }
    public float? TopP { get; set; }
    public int? TopK { get; set; }
    public float? MinP { get; set; }
    public int? MaxTokens { get; set; }
    public int? N { get; set; }
    public long? Seed { get; set; }
    public JsonElement? Stop { get; set; }
    public float? FrequencyPenalty { get; set; }
    public float? PresencePenalty { get; set; }
    public bool? Stream { get; set; }
    public StreamOptionsWire? StreamOptions { get; set; }
    public bool? Echo { get; set; }
    public string? Suffix { get; set; }
    public int? BestOf { get; set; }
    public int? Logprobs { get; set; }
}
