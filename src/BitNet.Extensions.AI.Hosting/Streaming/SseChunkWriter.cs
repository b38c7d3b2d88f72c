using System.Buffers;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using BitNet.Extensions.AI.Hosting.Mapping;
using BitNet.Extensions.AI.Hosting.Wire;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Hosting.Streaming;

/// <summary>
/// Writes OpenAI server-sent events (<c>data: {json}\n\n</c>, then <c>data: [DONE]\n\n</c>) straight into the response
/// pipe. One chunk per generated token, so the JSON is written by one reused <see cref="Utf8JsonWriter"/> with the
/// constant parts (id, object, model) encoded once: a token costs no allocation here.
/// </summary>
internal sealed class SseChunkWriter : IDisposable
{
    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        // Raw UTF-8 text, as OpenAI sends it; the events are JSON for API clients, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;
    private readonly SseChunkKind _kind;
    private readonly JsonEncodedText _id;
    private readonly JsonEncodedText _object;
    private readonly JsonEncodedText _model;
    private readonly long _created;

    public SseChunkWriter(PipeWriter pipe, SseChunkKind kind, string id, long created, string model)
    {
        _pipe = pipe;
        _json = new Utf8JsonWriter(pipe, s_writerOptions);
        _kind = kind;
        _id = JsonEncodedText.Encode(id, s_writerOptions.Encoder);
        _object = JsonEncodedText.Encode(kind == SseChunkKind.Chat ? "chat.completion.chunk" : "text_completion");
        _model = JsonEncodedText.Encode(model, s_writerOptions.Encoder);
        _created = created;
    }

    /// <summary>The first chat chunk: the assistant role with empty content (text completions have none).</summary>
    public ValueTask<FlushResult> WriteStartAsync(CancellationToken cancellationToken)
    {
        if (_kind != SseChunkKind.Chat) return ValueTask.FromResult(default(FlushResult));
        BeginChoice();
        _json.WriteStartObject("delta");
        _json.WriteString("role", "assistant");
        _json.WriteString("content", string.Empty);
        _json.WriteEndObject();
        return EndChoiceAsync(finishReason: null, cancellationToken);
    }

    /// <summary>New text.</summary>
    public ValueTask<FlushResult> WriteTextAsync(string text, CancellationToken cancellationToken)
    {
        BeginChoice();
        if (_kind == SseChunkKind.Chat)
        {
            _json.WriteStartObject("delta");
            _json.WriteString("content", text);
            _json.WriteEndObject();
        }
        else
        {
            _json.WriteString("text", text);
        }
        return EndChoiceAsync(finishReason: null, cancellationToken);
    }

    /// <summary>One complete tool call (the provider emits calls whole), as the <paramref name="index"/>th call of the answer.</summary>
    public ValueTask<FlushResult> WriteToolCallAsync(int index, FunctionCallContent call, CancellationToken cancellationToken)
    {
        BeginChoice();
        _json.WriteStartObject("delta");
        _json.WriteStartArray("tool_calls");
        _json.WriteStartObject();
        _json.WriteNumber("index", index);
        _json.WriteString("id", call.CallId);
        _json.WriteString("type", "function");
        _json.WriteStartObject("function");
        _json.WriteString("name", call.Name);
        _json.WriteString("arguments", ToolCallArguments.Serialize(call));
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.WriteEndArray();
        _json.WriteEndObject();
        return EndChoiceAsync(finishReason: null, cancellationToken);
    }

    /// <summary>The last choice chunk: no new content, the finish reason.</summary>
    public ValueTask<FlushResult> WriteFinishAsync(string finishReason, CancellationToken cancellationToken)
    {
        BeginChoice();
        if (_kind == SseChunkKind.Chat)
        {
            _json.WriteStartObject("delta");
            _json.WriteEndObject();
        }
        else
        {
            _json.WriteString("text", string.Empty);
        }
        return EndChoiceAsync(finishReason, cancellationToken);
    }

    /// <summary>The usage chunk <c>stream_options.include_usage</c> asks for: empty choices, the token counts.</summary>
    public ValueTask<FlushResult> WriteUsageAsync(UsageWire usage, CancellationToken cancellationToken)
    {
        BeginChunk();
        _json.WriteStartArray("choices");
        _json.WriteEndArray();
        _json.WriteStartObject("usage");
        _json.WriteNumber("prompt_tokens", usage.PromptTokens);
        _json.WriteNumber("completion_tokens", usage.CompletionTokens);
        _json.WriteNumber("total_tokens", usage.TotalTokens);
        _json.WriteStartObject("prompt_tokens_details");
        _json.WriteNumber("cached_tokens", usage.PromptTokensDetails?.CachedTokens ?? 0);
        _json.WriteEndObject();
        _json.WriteEndObject();
        return EndChunkAsync(cancellationToken);
    }

    /// <summary>An error after the stream has begun (the status code is already sent): OpenAI's error body as an event.</summary>
    public ValueTask<FlushResult> WriteErrorAsync(ErrorWire error, CancellationToken cancellationToken)
    {
        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
        _json.WriteStartObject();
        _json.WriteStartObject("error");
        _json.WriteString("message", error.Message);
        _json.WriteString("type", error.Type);
        _json.WriteString("param", error.Param);
        _json.WriteString("code", error.Code);
        _json.WriteEndObject();
        return EndChunkAsync(cancellationToken);
    }

    /// <summary>The end of the stream.</summary>
    public ValueTask<FlushResult> WriteDoneAsync(CancellationToken cancellationToken)
    {
        _pipe.Write("data: [DONE]\n\n"u8);
        return _pipe.FlushAsync(cancellationToken);
    }

    public void Dispose() => _json.Dispose();

    private void BeginChunk()
    {
        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
        _json.WriteStartObject();
        _json.WriteString("id", _id);
        _json.WriteString("object", _object);
        _json.WriteNumber("created", _created);
        _json.WriteString("model", _model);
    }

    private void BeginChoice()
    {
        BeginChunk();
        _json.WriteStartArray("choices");
        _json.WriteStartObject();
        _json.WriteNumber("index", 0);
    }

    private ValueTask<FlushResult> EndChoiceAsync(string? finishReason, CancellationToken cancellationToken)
    {
        _json.WriteNull("logprobs");
        if (finishReason is null) _json.WriteNull("finish_reason");
        else _json.WriteString("finish_reason", finishReason);
        _json.WriteEndObject();
        _json.WriteEndArray();
        return EndChunkAsync(cancellationToken);
    }

    private ValueTask<FlushResult> EndChunkAsync(CancellationToken cancellationToken)
    {
        _json.WriteEndObject();
        _json.Flush();
        _pipe.Write("\n\n"u8);
        return _pipe.FlushAsync(cancellationToken);
    }
}
