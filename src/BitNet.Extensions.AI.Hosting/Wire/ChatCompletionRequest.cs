using System.Text.Json;

namespace BitNet.Extensions.AI.Hosting.Wire;

/// <summary>The body of <c>POST /v1/chat/completions</c> (OpenAI wire format; unknown fields are ignored).</summary>
internal sealed class ChatCompletionRequest : ISamplingRequest
{
    public string? Model { get; set; }
    public List<ChatMessageWire>? Messages { get; set; }
    public float? Temperature { get; set; }
    public float? TopP { get; set; }
    /// <summary>Not OpenAI's, but what llama.cpp-style servers accept; maps to <c>ChatOptions.TopK</c>.</summary>
    public int? TopK { get; set; }
    /// <summary>Not OpenAI's; maps to the provider's <c>min_p</c> additional property.</summary>
    public float? MinP { get; set; }
    public int? MaxTokens { get; set; }
    public int? MaxCompletionTokens { get; set; }
    public int? N { get; set; }
    public long? Seed { get; set; }
    /// <summary>A string or an array of strings.</summary>
    public JsonElement? Stop { get; set; }
    public float? FrequencyPenalty { get; set; }
    public float? PresencePenalty { get; set; }
    public bool? Stream { get; set; }
    public StreamOptionsWire? StreamOptions { get; set; }
    public ResponseFormatWire? ResponseFormat { get; set; }
    public List<ToolWire>? Tools { get; set; }
    /// <summary><c>"none"</c>, <c>"auto"</c>, <c>"required"</c> or <c>{"type":"function","function":{"name":…}}</c>.</summary>
    public JsonElement? ToolChoice { get; set; }
    public bool? ParallelToolCalls { get; set; }
    public bool? Logprobs { get; set; }
}

/// <summary>One message of a chat request.</summary>
internal sealed class ChatMessageWire
{
    public string? Role { get; set; }
    /// <summary>A string, an array of content parts, or null (an assistant message with tool calls).</summary>
    public JsonElement? Content { get; set; }
    public string? Name { get; set; }
    public List<ToolCallWire>? ToolCalls { get; set; }
    public string? ToolCallId { get; set; }
}

/// <summary><c>stream_options</c>.</summary>
internal sealed class StreamOptionsWire
{
    public bool? IncludeUsage { get; set; }
}

/// <summary><c>response_format</c>: <c>text</c>, <c>json_object</c> or <c>json_schema</c>.</summary>
internal sealed class ResponseFormatWire
{
    public string? Type { get; set; }
    public JsonSchemaWire? JsonSchema { get; set; }
}

/// <summary><c>response_format.json_schema</c>.</summary>
internal sealed class JsonSchemaWire
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public JsonElement? Schema { get; set; }
    public bool? Strict { get; set; }
}

/// <summary>One entry of <c>tools</c>.</summary>
internal sealed class ToolWire
{
    public string? Type { get; set; }
    public FunctionWire? Function { get; set; }
}

/// <summary>A function tool's declaration.</summary>
internal sealed class FunctionWire
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public JsonElement? Parameters { get; set; }
    public bool? Strict { get; set; }
}

/// <summary>A tool call, in an assistant message of a request or in a response.</summary>
internal sealed class ToolCallWire
{
    public string? Id { get; set; }
    public string? Type { get; set; }
    public FunctionCallWire? Function { get; set; }
}

/// <summary>The function a tool call names, with its arguments as a JSON string.</summary>
internal sealed class FunctionCallWire
{
    public string? Name { get; set; }
    public string? Arguments { get; set; }
}
