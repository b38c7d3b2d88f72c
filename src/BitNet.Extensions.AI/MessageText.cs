using System.Text;
using BitNet.Extensions.AI.Tools;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI;

/// <summary>The text of a chat message for a model that reads text only: its <see cref="TextContent"/>s, in order.</summary>
internal static class MessageText
{
    /// <summary>
    /// Concatenates <paramref name="message"/>'s text, with function calls and results written as
    /// <see cref="ToolCallFormat"/> renders them. Usage content is skipped; any other content (images, audio…) is
    /// refused, since dropping it silently would change the answer.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="index">Its position in the request, for the error message.</param>
    /// <param name="reader">What reads it, for the error message ("The BitNet story model").</param>
    /// <exception cref="NotSupportedException">The message holds non-text content.</exception>
    public static string Of(ChatMessage message, int index, string reader)
    {
        var text = new StringBuilder();
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent textContent:
                    text.Append(textContent.Text);
                    break;
                case FunctionCallContent call:
                    text.Append(ToolCallFormat.Render(call));
                    break;
                case FunctionResultContent result:
                    text.Append(ToolCallFormat.Render(result));
                    break;
                case UsageContent:
                    break;
                default:
                    throw new NotSupportedException(
                        $"Message {index} ({message.Role}) contains {content.GetType().Name}. {reader} reads text only; " +
                        "remove the non-text content or turn it into text.");
            }
        }
        return text.ToString();
    }
}
