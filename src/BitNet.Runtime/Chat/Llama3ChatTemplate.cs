namespace BitNet.Runtime.Chat;

/// <summary>
/// The Llama 3 chat format: each message is <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\ncontent&lt;|eot_id|&gt;</c>
/// with the role as given and the content trimmed; the generation prompt is
/// <c>&lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n</c>.
/// </summary>
public sealed class Llama3ChatTemplate : ChatTemplate
{
    private const string StartHeader = "<|start_header_id|>";
    private const string EndHeader = "<|end_header_id|>";
    private const string EndOfTurn = "<|eot_id|>";

    private Llama3ChatTemplate()
    {
    }

    /// <summary>The format.</summary>
    public static Llama3ChatTemplate Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "llama3";

    /// <inheritdoc />
    public override IReadOnlyList<string> RequiredSpecialTokens { get; } = [StartHeader, EndHeader, EndOfTurn];

    /// <inheritdoc />
    protected override void AppendTurn(Builder builder, ChatTurn turn)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AppendHeader(builder, turn.Role);
        builder.Ordinary("\n\n" + turn.Content.Trim());
        builder.Special(EndOfTurn);
    }

    /// <inheritdoc />
    protected override void AppendGenerationPrompt(Builder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AppendHeader(builder, ChatTurn.Assistant);
        builder.Ordinary("\n\n");
    }

    private static void AppendHeader(Builder builder, string role)
    {
        builder.Special(StartHeader);
        builder.Ordinary(role);
        builder.Special(EndHeader);
    }
}
