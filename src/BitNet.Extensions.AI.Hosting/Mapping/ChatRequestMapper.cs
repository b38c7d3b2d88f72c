using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BitNet.Extensions.AI.Hosting.Wire;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Hosting.Mapping;

/// <summary>
/// Translates a chat completion request: messages (system/developer, user, assistant with <c>tool_calls</c> →
/// <see cref="FunctionCallContent"/>, tool → <see cref="FunctionResultContent"/>), <c>tools</c> →
/// <see cref="AIFunctionDeclaration"/>s, <c>tool_choice</c> → <see cref="ChatToolMode"/>, <c>response_format</c> →
/// <see cref="ChatResponseFormat"/>. Every refusal names the field (<c>messages[2].role</c>) and what to send instead.
/// </summary>
internal static partial class ChatRequestMapper
{
    public static MappedRequest Map(ChatCompletionRequest request, OpenAIEndpointOptions limits, ServedModel model)
    {
        if (request.Logprobs == true)
            throw OpenAIRequestException.Unsupported("logprobs", "logprobs are not available from this server; leave logprobs out or false.");
        if (request.MaxTokens is not null && request.MaxCompletionTokens is not null)
            throw OpenAIRequestException.Invalid("max_tokens", "Send either max_tokens or max_completion_tokens, not both.");

        var (stream, includeUsage) = SamplingParameterMapper.Streaming(request);
        var maxTokensParam = request.MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens";
        var options = SamplingParameterMapper.ToChatOptions(request, request.MaxCompletionTokens ?? request.MaxTokens, maxTokensParam, limits, model);
        options.ResponseFormat = ResponseFormat(request.ResponseFormat);
        var tools = Tools(request.Tools, limits.MaxTools);
        options.Tools = tools;
        options.ToolMode = ToolMode(request.ToolChoice, tools);
        options.AllowMultipleToolCalls = request.ParallelToolCalls;
        return new MappedRequest(Messages(request.Messages, limits.MaxMessages), options, stream, includeUsage);
    }

    private static List<ChatMessage> Messages(List<ChatMessageWire>? messages, int maxMessages)
    {
        if (messages is null || messages.Count == 0)
            throw OpenAIRequestException.Invalid("messages", "messages is required: send at least one message, e.g. [{\"role\":\"user\",\"content\":\"Once upon a time\"}].",
                                                 "missing_required_parameter");
        if (messages.Count > maxMessages)
            throw OpenAIRequestException.Invalid("messages", Format($"messages holds {messages.Count} messages; this server accepts at most {maxMessages}."));

        var converted = new List<ChatMessage>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
            converted.Add(Message(messages[i], Format($"messages[{i}]")));
        return converted;
    }

    private static ChatMessage Message(ChatMessageWire message, string param)
    {
        switch (message.Role)
        {
            case "system" or "developer":
                return new ChatMessage(ChatRole.System, TextContents(message.Content, param)) { AuthorName = message.Name };
            case "user":
                return new ChatMessage(ChatRole.User, TextContents(message.Content, param)) { AuthorName = message.Name };
            case "assistant":
                var contents = TextContents(message.Content, param);
                if (message.ToolCalls is { } calls)
                    for (var j = 0; j < calls.Count; j++)
                        contents.Add(FunctionCall(calls[j], Format($"{param}.tool_calls[{j}]")));
                return new ChatMessage(ChatRole.Assistant, contents) { AuthorName = message.Name };
            case "tool":
                if (string.IsNullOrEmpty(message.ToolCallId))
                    throw OpenAIRequestException.Invalid(param + ".tool_call_id",
                        "A tool message needs tool_call_id: the id of the assistant's tool call it answers.", "missing_required_parameter");
                var result = string.Concat(TextContents(message.Content, param).Select(static c => ((TextContent)c).Text));
                return new ChatMessage(ChatRole.Tool, [new FunctionResultContent(message.ToolCallId, result)]);
            default:
                throw OpenAIRequestException.Invalid(param + ".role",
                    $"Unknown role '{message.Role}'; use system, developer, user, assistant or tool.");
        }
    }

    // content: a string, an array of text parts, or null/absent (no text).
    private static List<AIContent> TextContents(JsonElement? content, string param)
    {
        if (content is not { } element || element.ValueKind == JsonValueKind.Null) return [];
        if (element.ValueKind == JsonValueKind.String) return [new TextContent(element.GetString())];
        if (element.ValueKind != JsonValueKind.Array)
            throw OpenAIRequestException.Invalid(param + ".content", "content must be a string or an array of content parts.");

        var parts = new List<AIContent>(element.GetArrayLength());
        var index = 0;
        foreach (var part in element.EnumerateArray())
        {
            var partParam = Format($"{param}.content[{index++}]");
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw OpenAIRequestException.Invalid(partParam + ".type", "A content part is an object with a \"type\".");
            if (type.GetString() != "text")
                throw OpenAIRequestException.Unsupported(partParam + ".type",
                    $"Content parts of type '{type.GetString()}' are not supported by this text-only model; send text parts.");
            if (!part.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                throw OpenAIRequestException.Invalid(partParam + ".text", "A text part needs \"text\", a string.");
            parts.Add(new TextContent(text.GetString()));
        }
        return parts;
    }

    private static FunctionCallContent FunctionCall(ToolCallWire call, string param)
    {
        if (string.IsNullOrEmpty(call.Id))
            throw OpenAIRequestException.Invalid(param + ".id", "A tool call needs an id.", "missing_required_parameter");
        if (call.Type is not (null or "function"))
            throw OpenAIRequestException.Unsupported(param + ".type", $"Tool calls of type '{call.Type}' are not supported; use \"function\".");
        if (string.IsNullOrEmpty(call.Function?.Name))
            throw OpenAIRequestException.Invalid(param + ".function.name", "A tool call needs function.name.", "missing_required_parameter");
        return new FunctionCallContent(call.Id, call.Function.Name, Arguments(call.Function.Arguments, param + ".function.arguments"));
    }

    // OpenAI sends arguments as a JSON string holding an object; values stay JsonElements, as AIFunction expects.
    private static Dictionary<string, object?>? Arguments(string? json, string param)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw OpenAIRequestException.Invalid(param, "function.arguments must be a JSON object, as a string.");
            var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
                arguments[property.Name] = property.Value.Clone();
            return arguments;
        }
        catch (JsonException e)
        {
            throw OpenAIRequestException.Invalid(param, "function.arguments is not valid JSON: " + e.Message);
        }
    }

    private static List<AITool>? Tools(List<ToolWire>? tools, int maxTools)
    {
        if (tools is null || tools.Count == 0) return null;
        if (tools.Count > maxTools)
            throw OpenAIRequestException.Invalid("tools", Format($"tools holds {tools.Count} tools; at most {maxTools} are allowed."));

        var declarations = new List<AITool>(tools.Count);
        for (var i = 0; i < tools.Count; i++)
        {
            var param = Format($"tools[{i}]");
            var tool = tools[i];
            if (tool.Type != "function")
                throw OpenAIRequestException.Unsupported(param + ".type", $"Tools of type '{tool.Type}' are not supported; use \"function\".");
            if (tool.Function?.Name is not { } name || !FunctionName().IsMatch(name))
                throw OpenAIRequestException.Invalid(param + ".function.name",
                    $"'{tool.Function?.Name}' is not a valid function name: 1 to 64 letters, digits, '_' or '-'.");
            if (tool.Function.Parameters is { } parameters && parameters.ValueKind != JsonValueKind.Object)
                throw OpenAIRequestException.Invalid(param + ".function.parameters", "function.parameters must be a JSON Schema object.");
            declarations.Add(AIFunctionFactory.CreateDeclaration(name, tool.Function.Description,
                tool.Function.Parameters ?? EmptyObjectSchema));
        }
        return declarations;
    }

    private static ChatToolMode? ToolMode(JsonElement? toolChoice, List<AITool>? tools)
    {
        if (toolChoice is not { } choice || choice.ValueKind == JsonValueKind.Null) return null;
        ChatToolMode mode = choice.ValueKind switch
        {
            JsonValueKind.String => choice.GetString() switch
            {
                "none" => ChatToolMode.None,
                "auto" => ChatToolMode.Auto,
                "required" => ChatToolMode.RequireAny,
                var other => throw OpenAIRequestException.Invalid("tool_choice",
                    $"tool_choice '{other}' is not one of none, auto, required, or {{\"type\":\"function\",\"function\":{{\"name\":…}}}}."),
            },
            JsonValueKind.Object => ChatToolMode.RequireSpecific(NamedFunction(choice, tools)),
            _ => throw OpenAIRequestException.Invalid("tool_choice", "tool_choice must be a string or an object."),
        };
        if (tools is null && mode is not NoneChatToolMode)
            throw OpenAIRequestException.Invalid("tool_choice", "tool_choice is only allowed when tools are specified.");
        return mode;
    }

    private static string NamedFunction(JsonElement choice, List<AITool>? tools)
    {
        if (!choice.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object ||
            !function.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
        {
            throw OpenAIRequestException.Invalid("tool_choice.function.name", "tool_choice names the function as {\"type\":\"function\",\"function\":{\"name\":…}}.");
        }

        var name = nameElement.GetString()!;
        if (tools is not null)
            foreach (var tool in tools)
                if (tool.Name == name) return name;
        throw OpenAIRequestException.Invalid("tool_choice.function.name", $"tool_choice names '{name}', which is not among tools.");
    }

    private static ChatResponseFormat? ResponseFormat(ResponseFormatWire? format)
    {
        if (format is null) return null;
        switch (format.Type)
        {
            case "text":
                return ChatResponseFormat.Text;
            case "json_object":
                return ChatResponseFormat.Json;
            case "json_schema":
                if (format.JsonSchema is not { } schema || string.IsNullOrEmpty(schema.Name))
                    throw OpenAIRequestException.Invalid("response_format.json_schema.name", "response_format json_schema needs json_schema.name.",
                                                         "missing_required_parameter");
                if (schema.Schema is not { ValueKind: JsonValueKind.Object } jsonSchema)
                    throw OpenAIRequestException.Invalid("response_format.json_schema.schema", "response_format json_schema needs json_schema.schema, a JSON Schema object.",
                                                         "missing_required_parameter");
                return ChatResponseFormat.ForJsonSchema(jsonSchema, schema.Name, schema.Description);
            default:
                throw OpenAIRequestException.Invalid("response_format.type",
                    $"response_format.type '{format.Type}' is not one of text, json_object, json_schema.");
        }
    }

    private static readonly JsonElement EmptyObjectSchema = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement;

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();

    private static string Format(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);
}
