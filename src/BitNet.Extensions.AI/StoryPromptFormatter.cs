using System.Text;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI;

/// <summary>
/// Renders a chat as the prompt of a story model. The shipped model (and BitNet story models like it) was trained on
/// plain stories, <c>&lt;s&gt; story &lt;/s&gt;</c>, with no chat template: it continues text, it does not follow
/// instructions. So the conversation is rendered as one story that the model continues.
/// </summary>
/// <remarks>
/// The rules, in order:
/// <list type="number">
/// <item><description>
/// <b>System messages are left out</b> (as is <see cref="ChatOptions.Instructions"/>, which the client never reads). An
/// instruction such as "You are a storyteller" would otherwise become the first sentence of the story. Agent frameworks
/// send instructions this way, so leaving them out is what makes an agent over this model tell a story at all.
/// </description></item>
/// <item><description>
/// <b>User and assistant messages</b> (and messages with any other role except <see cref="ChatRole.Tool"/>) are the story
/// so far, in order: the first user message is its beginning, each assistant message is a continuation the model wrote,
/// and a later user message continues the same story. Their text (the concatenation of their
/// <see cref="TextContent"/> items) is joined with a single space where two pieces would otherwise run together:
/// when neither side has whitespace at the joint and the next piece does not start with closing punctuation
/// (<c>, . ; : ! ? ) ] } '</c> or an ellipsis). Empty or whitespace-only messages are skipped.
/// </description></item>
/// <item><description>
/// Spaces and tabs at the very start and end of the story are removed (a trailing space would become a lone word-boundary
/// token the model rarely saw before a word); newlines are kept, because they separate paragraphs.
/// </description></item>
/// <item><description>
/// <see cref="UsageContent"/> (metadata that a streamed response appended to the history may carry) is ignored. Any other
/// content (images, data, function calls or results, tool messages) cannot be part of a story and raises
/// <see cref="NotSupportedException"/>, because dropping it silently would change the answer.
/// </description></item>
/// </list>
/// The tokenizer then adds the beginning-of-sequence token, so the prompt "Once upon a time" becomes exactly
/// <c>&lt;s&gt;</c> followed by the ids of "Once upon a time". Nothing is ever truncated: a story longer than the context
/// is an error.
/// </remarks>
internal static class StoryPromptFormatter
{
    /// <summary>Renders <paramref name="messages"/> (enumerated once) as the story text to continue.</summary>
    /// <exception cref="NotSupportedException">A message holds content other than text, or is a tool message.</exception>
    public static string Format(IEnumerable<ChatMessage> messages) => Format(messages, out _);

    /// <summary>
    /// Renders <paramref name="messages"/> (enumerated once) as the story text to continue, and tells how many of its
    /// leading characters come from the first rendered message (the beginning of the story).
    /// </summary>
    /// <exception cref="NotSupportedException">A message holds content other than text, or is a tool message.</exception>
    public static string Format(IEnumerable<ChatMessage> messages, out int firstMessageLength)
    {
        var story = new StringBuilder();
        var index = 0;
        var firstEnd = -1;
        foreach (var message in messages)
        {
            if (message is null)
                throw new ArgumentException($"The message at index {index} is null.", nameof(messages));
            AppendMessage(story, message, index++);
            if (firstEnd < 0 && story.Length > 0) firstEnd = story.Length;
        }

        var text = story.ToString();
        var trimmed = text.Trim(' ', '\t');
        var leading = text.Length - text.TrimStart(' ', '\t').Length;
        firstMessageLength = Math.Clamp(firstEnd - leading, 0, trimmed.Length);
        return trimmed;
    }

    private static void AppendMessage(StringBuilder story, ChatMessage message, int index)
    {
        if (message.Role == ChatRole.System) return;
        var text = MessageText.Of(message, index, "The BitNet story model");
        if (string.IsNullOrWhiteSpace(text)) return;
        if (NeedsSeparator(story, text)) story.Append(' ');
        story.Append(text);
    }

    private static bool NeedsSeparator(StringBuilder story, string next) =>
        story.Length > 0 && !char.IsWhiteSpace(story[^1]) && !char.IsWhiteSpace(next[0]) && !IsClosingPunctuation(next[0]);

    private static bool IsClosingPunctuation(char c) =>
        c is ',' or '.' or ';' or ':' or '!' or '?' or ')' or ']' or '}' or '\'' or '\u2019' or '\u2026';
}
