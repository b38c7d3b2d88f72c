using BitNet.Runtime.Chat;
using BitNet.Runtime.Tokenization;

namespace BitNet.Extensions.AI;

/// <summary>
/// A request's prompt before tokenization: a story to continue (story models, <see cref="StoryPromptFormatter"/>) or a
/// conversation in the model's chat format (<see cref="ChatTemplate"/>). Tokenization happens on the request's worker.
/// </summary>
internal sealed class ChatPrompt
{
    private readonly string? _story;
    private readonly IReadOnlyList<ChatTurn>? _turns;
    private readonly ChatTemplate? _template;
    private readonly int _firstMessageLength;

    private ChatPrompt(string? story, IReadOnlyList<ChatTurn>? turns, ChatTemplate? template, int firstMessageLength = 0)
    {
        _story = story;
        _turns = turns;
        _template = template;
        _firstMessageLength = firstMessageLength;
    }

    /// <summary>A story to continue, whose first <paramref name="firstMessageLength"/> characters are the first message; the tokenizer adds the beginning-of-sequence id.</summary>
    public static ChatPrompt FromStory(string story, int firstMessageLength = 0) => new(story, null, null, Math.Clamp(firstMessageLength, 0, story.Length));

    /// <summary>A conversation rendered by <paramref name="template"/>, ending with the assistant's turn to answer.</summary>
    public static ChatPrompt FromConversation(IReadOnlyList<ChatTurn> turns, ChatTemplate template) => new(null, turns, template);

    /// <summary>The prompt's ids.</summary>
    public int[] ToIds(BitNetTokenizer tokenizer) =>
        _template is not null ? _template.Render(_turns!, tokenizer) : tokenizer.Encode(_story!);

    /// <summary>Tokens of the prompt's beginning up to the end of its first message or turn (a sliding window's sink).</summary>
    public int CountFirstMessageTokens(BitNetTokenizer tokenizer) =>
        _template is not null
            ? _template.Render(_turns!.Take(1), tokenizer, addGenerationPrompt: false).Length
            : tokenizer.CountTokens(_story![.._firstMessageLength]);

    /// <inheritdoc />
    public override string ToString() => _story ?? $"{_template!.Name}: {_turns!.Count} turns";
}
