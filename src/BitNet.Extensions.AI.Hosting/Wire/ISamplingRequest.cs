using System.Text.Json;

namespace BitNet.Extensions.AI.Hosting.Wire;

/// <summary>The fields chat and text completion requests share: the model, sampling, stopping and streaming.</summary>
internal interface ISamplingRequest
{
    string? Model { get; }
    float? Temperature { get; }
    float? TopP { get; }
    int? TopK { get; }
    float? MinP { get; }
    int? N { get; }
    long? Seed { get; }
    JsonElement? Stop { get; }
    float? FrequencyPenalty { get; }
    float? PresencePenalty { get; }
    bool? Stream { get; }
    StreamOptionsWire? StreamOptions { get; }
}
