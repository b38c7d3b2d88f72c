using System.Globalization;

namespace BitNet.Runtime.Chat;

/// <summary>
/// The chat format of microsoft/bitnet-b1.58-2B-4T (its Hugging Face <c>chat_template</c>): each message is
/// <c>Role: content&lt;|eot_id|&gt;</c>, the role capitalized (<c>System</c>, <c>User</c>, <c>Assistant</c>) and the content
/// trimmed, with nothing between turns; the generation prompt is <c>Assistant: </c> (with its space). For example
/// <c>&lt;|begin_of_text|&gt;System: You are a helpful AI assistant.&lt;|eot_id|&gt;User: How are you?&lt;|eot_id|&gt;Assistant: </c>.
/// </summary>
public sealed class BitNet2B4TChatTemplate : ChatTemplate
{
    private const string EndOfTurn = "<|eot_id|>";

    private BitNet2B4TChatTemplate()
    {
    }

    /// <summary>The format.</summary>
    public static BitNet2B4TChatTemplate Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "bitnet-2b4t";

    /// <inheritdoc />
    public override IReadOnlyList<string> RequiredSpecialTokens { get; } = [EndOfTurn];

    /// <inheritdoc />
    protected override void AppendTurn(Builder builder, ChatTurn turn)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Ordinary($"{Capitalize(turn.Role)}: {turn.Content.Trim()}");
        builder.Special(EndOfTurn);
    }

    /// <inheritdoc />
    protected override void AppendGenerationPrompt(Builder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Ordinary("Assistant: ");
    }

    /// <summary>Jinja's <c>capitalize</c>: the first character upper case, the rest lower case.</summary>
    private static string Capitalize(string role) =>
        role.Length == 0 ? role : char.ToUpperInvariant(role[0]) + role[1..].ToLower(CultureInfo.InvariantCulture);
}
