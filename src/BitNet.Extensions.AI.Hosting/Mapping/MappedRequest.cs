using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Hosting.Mapping;

/// <summary>An OpenAI request translated for <see cref="IChatClient"/>: the conversation, the options and how to answer.</summary>
internal sealed record MappedRequest(List<ChatMessage> Messages, ChatOptions Options, bool Stream, bool IncludeUsage);
