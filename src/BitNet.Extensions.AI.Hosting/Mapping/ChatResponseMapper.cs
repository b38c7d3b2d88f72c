using BitNet.Extensions.AI.Hosting.Wire;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Hosting.Mapping;

/// <summary>Translates a <see cref="ChatResponse"/> into OpenAI's <c>chat.completion</c> and <c>text_completion</c> bodies.</summary>
internal static class ChatResponseMapper
{
    public static ChatCompletionResponse ToChatCompletion(ChatResponse response, ServedModel model)
    {
        List<ToolCallWire>? toolCalls = null;
        foreach (var message in response.Messages)
            foreach (var content in message.Contents)
                if (content is FunctionCallContent call)
                    (toolCalls ??= []).Add(new ToolCallWire
                    {
                        Id = call.CallId,
                        Type = "function",
                        Function = new FunctionCallWire { Name = call.Name, Arguments = ToolCallArguments.Serialize(call) },
                    });

        var text = response.Text;
        return new ChatCompletionResponse
        {
            Id = ResponseId(response, "chatcmpl-"),
            Created = Created(response),
            Model = response.ModelId ?? model.Id,
            Choices =
            [
                new ChatChoiceWire
                {
                    Message = new AssistantMessageWire
                    {
                        // OpenAI sends null content with tool calls and no text.
                        Content = toolCalls is not null && text.Length == 0 ? null : text,
                        ToolCalls = toolCalls?.ToArray(),
                    },
                    FinishReason = FinishReason(response.FinishReason, toolCalls is not null),
                },
            ],
            Usage = response.Usage is { } usage ? UsageWire.From(usage) : null,
        };
    }

    public static CompletionResponse ToTextCompletion(ChatResponse response, ServedModel model) => new()
    {
        Id = ResponseId(response, "cmpl-"),
        Created = Created(response),
        Model = response.ModelId ?? model.Id,
        Choices = [new CompletionChoiceWire { Text = response.Text, FinishReason = FinishReason(response.FinishReason, hasToolCalls: false) }],
        Usage = response.Usage is { } usage ? UsageWire.From(usage) : null,
    };

    /// <summary>OpenAI's <c>finish_reason</c>: <see cref="ChatFinishReason"/>'s values are OpenAI's own strings.</summary>
    public static string FinishReason(ChatFinishReason? reason, bool hasToolCalls) =>
        reason?.Value ?? (hasToolCalls ? ChatFinishReason.ToolCalls.Value : ChatFinishReason.Stop.Value);

    /// <summary>The provider's response id with OpenAI's prefix, or a new one.</summary>
    public static string ResponseId(string? providerId, string prefix) =>
        prefix + (string.IsNullOrEmpty(providerId) ? Guid.NewGuid().ToString("N") : providerId);

    public static long CreatedSeconds(DateTimeOffset? createdAt) => (createdAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();

    private static string ResponseId(ChatResponse response, string prefix) => ResponseId(response.ResponseId, prefix);

    private static long Created(ChatResponse response) => CreatedSeconds(response.CreatedAt);
}
