using System.Text;
using BitNet.Runtime.Chat;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI;

/// <summary>
/// Turns <see cref="ChatMessage"/>s into the <see cref="ChatTurn"/>s a chat model's template renders: one turn per
/// message, in order, with the role's name (<c>system</c>, <c>user</c>, <c>assistant</c>, or any other) and the
/// concatenation of the message's text (<see cref="MessageText"/>: function calls and results as JSON text; tool
/// messages become <c>tool</c> turns). <see cref="ChatOptions.Instructions"/>, when set, become a first system turn.
/// <see cref="UsageContent"/> is ignored; any other content raises <see cref="NotSupportedException"/>, because dropping
/// it silently would change the answer.
/// </summary>
internal static class ChatTurnConverter
{
    /// <summary>Converts <paramref name="messages"/> (enumerated once).</summary>
    /// <exception cref="NotSupportedException">A message holds content other than text, function calls and results.</exception>
    public static List<ChatTurn> Convert(IEnumerable<ChatMessage> messages, string? instructions)
    {
        var turns = new List<ChatTurn>();
        if (!string.IsNullOrWhiteSpace(instructions)) turns.Add(new ChatTurn(ChatTurn.System, instructions));
        var index = 0;
        foreach (var message in messages)
        {
            if (message is null)
                throw new ArgumentException($"The message at index {index} is null.", nameof(messages));
            var text = MessageText.Of(message, index, "The BitNet model");
            turns.Add(new ChatTurn(message.Role.Value, text));
            index++;
        }
        return turns;
    }
}
