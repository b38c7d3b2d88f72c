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

    private ChatPrompt(string? story, IReadOnlyList<ChatTurn>? turns, ChatTemplate? template)
    {
        _story = story;
        _turns = turns;
        _template = template;
    }

    /// <summary>A story to continue; the tokenizer adds the beginning-of-sequence id.</summary>
    public static ChatPrompt FromStory(string story) => new(story, null, null);

    /// <summary>A conversation rendered by <paramref name="template"/>, ending with the assistant's turn to answer.</summary>
    public static ChatPrompt FromConversation(IReadOnlyList<ChatTurn> turns, ChatTemplate template) => new(null, turns, template);

    /// <summary>The prompt's ids.</summary>
    public int[] ToIds(BitNetTokenizer tokenizer) =>
        _template is not null ? _template.Render(_turns!, tokenizer) : tokenizer.Encode(_story!);

    /// <inheritdoc />
    public override string ToString() => _story ?? $"{_template!.Name}: {_turns!.Count} turns";
}
