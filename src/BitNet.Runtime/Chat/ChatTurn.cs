namespace BitNet.Runtime.Chat;

/// <summary>One message of a conversation, as a chat template renders it.</summary>
/// <param name="Role">The role: <see cref="System"/>, <see cref="User"/>, <see cref="Assistant"/>, or another name.</param>
/// <param name="Content">The message text.</param>
public readonly record struct ChatTurn(string Role, string Content)
{
    /// <summary>The role of instructions to the model.</summary>
    public const string System = "system";

    /// <summary>The role of the person chatting.</summary>
    public const string User = "user";

    /// <summary>The role of the model's answers.</summary>
    public const string Assistant = "assistant";
}
