using System.Text;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Tokenization;

namespace BitNet.Runtime.Chat;

/// <summary>
/// A model's chat format, implemented natively (no template language is executed): renders a conversation into the
/// prompt ids the model was trained on. Special tokens such as <c>&lt;|eot_id|&gt;</c> are inserted by id, and message
/// text is encoded as ordinary text, so a message that contains special-token text cannot forge a turn.
/// </summary>
/// <remarks>
/// The text between two special tokens is encoded on its own, which is how a rendered template string is tokenized by
/// Hugging Face tokenizers and by llama.cpp (special tokens are split out first). The beginning-of-sequence id starts
/// every prompt. <see cref="FromGguf"/> picks the format from the model's metadata.
/// </remarks>
public abstract class ChatTemplate
{
    /// <summary>A short name: <c>bitnet-2b4t</c>, <c>llama3</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The special tokens the format needs; <see cref="FromGguf"/> picks a format only when all are in the vocabulary.</summary>
    public abstract IReadOnlyList<string> RequiredSpecialTokens { get; }

    /// <summary>Renders <paramref name="turns"/> into prompt ids.</summary>
    /// <param name="turns">The conversation, oldest first.</param>
    /// <param name="tokenizer">The model's tokenizer, which must hold <see cref="RequiredSpecialTokens"/>.</param>
    /// <param name="addGenerationPrompt">Whether to end with the start of an assistant turn, for the model to complete.</param>
    /// <exception cref="InvalidOperationException">A required special token is not in the vocabulary.</exception>
    public int[] Render(IEnumerable<ChatTurn> turns, BitNetTokenizer tokenizer, bool addGenerationPrompt = true)
    {
        var builder = new Builder(tokenizer, text: null);
        RenderInto(builder, turns, addGenerationPrompt);
        return [.. builder.Ids];
    }

    /// <summary>The prompt <see cref="Render"/> produces, as text with the special tokens written out (for display and logs).</summary>
    /// <param name="turns">The conversation, oldest first.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="addGenerationPrompt">Whether to end with the start of an assistant turn.</param>
    public string RenderText(IEnumerable<ChatTurn> turns, BitNetTokenizer tokenizer, bool addGenerationPrompt = true)
    {
        var builder = new Builder(tokenizer, new StringBuilder());
        RenderInto(builder, turns, addGenerationPrompt);
        return builder.Text!.ToString();
    }

    private void RenderInto(Builder builder, IEnumerable<ChatTurn> turns, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(turns);
        ArgumentNullException.ThrowIfNull(builder.Tokenizer);
        if (builder.Tokenizer.BosId >= 0) builder.Special(builder.Tokenizer.GetPieceText(builder.Tokenizer.BosId));
        foreach (var turn in turns)
        {
            ArgumentNullException.ThrowIfNull(turn.Role, nameof(turns));
            ArgumentNullException.ThrowIfNull(turn.Content, nameof(turns));
            AppendTurn(builder, turn);
        }
        if (addGenerationPrompt) AppendGenerationPrompt(builder);
    }

    /// <summary>Appends one message.</summary>
    protected abstract void AppendTurn(Builder builder, ChatTurn turn);

    /// <summary>Appends the start of an assistant turn.</summary>
    protected abstract void AppendGenerationPrompt(Builder builder);

    /// <summary>
    /// Picks the chat format of a model from its metadata, or null when it has none (a plain text model such as the
    /// shipped TinyStories model, whose prompts are stories).
    /// </summary>
    /// <remarks>
    /// <list type="number">
    /// <item>Architecture <c>bitnet-b1.58</c> or <c>bitnet-25</c> (BitNet b1.58 2B4T) with <c>&lt;|eot_id|&gt;</c> in the
    /// vocabulary: <see cref="BitNet2B4TChatTemplate"/>, whatever <c>tokenizer.chat_template</c> says, because the
    /// template embedded in the published GGUF is not the format the model was trained on (the model then never
    /// stops).</item>
    /// <item><c>tokenizer.chat_template</c> containing <c>&lt;|start_header_id|&gt;</c>: <see cref="Llama3ChatTemplate"/>.</item>
    /// <item><c>tokenizer.chat_template</c> rendering <c>'Assistant: '</c> turns ended by <c>&lt;|eot_id|&gt;</c> (2B4T's
    /// Hugging Face template): <see cref="BitNet2B4TChatTemplate"/>.</item>
    /// </list>
    /// A format is chosen only when the vocabulary holds all its <see cref="RequiredSpecialTokens"/>.
    /// </remarks>
    public static ChatTemplate? FromGguf(GgufFile file, BitNetTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var architecture = file.Metadata.GetStringOrDefault("general.architecture");
        var template = file.Metadata.GetStringOrDefault("tokenizer.chat_template") ?? "";

        ChatTemplate? chosen = null;
        if (architecture is "bitnet-b1.58" or "bitnet-25") chosen = BitNet2B4TChatTemplate.Instance;
        else if (template.Contains("<|start_header_id|>", StringComparison.Ordinal)) chosen = Llama3ChatTemplate.Instance;
        else if (template.Contains("Assistant: ", StringComparison.Ordinal) && template.Contains("<|eot_id|>", StringComparison.Ordinal))
            chosen = BitNet2B4TChatTemplate.Instance;
        return chosen is not null && chosen.RequiredSpecialTokens.All(t => tokenizer.FindPiece(t) >= 0) ? chosen : null;
    }

    /// <summary>Collects the ids (and, for <see cref="RenderText"/>, the text) of a rendered prompt.</summary>
    protected sealed class Builder
    {
        internal Builder(BitNetTokenizer tokenizer, StringBuilder? text)
        {
            Tokenizer = tokenizer;
            Text = text;
        }

        internal BitNetTokenizer Tokenizer { get; }

        internal List<int> Ids { get; } = [];

        internal StringBuilder? Text { get; }

        /// <summary>Appends a special token by its vocabulary text.</summary>
        /// <exception cref="InvalidOperationException">The token is not in the vocabulary.</exception>
        public void Special(string pieceText)
        {
            var id = Tokenizer.FindPiece(pieceText);
            if (id < 0)
                throw new InvalidOperationException($"The chat format needs the special token '{pieceText}', which the model's vocabulary does not have.");
            Ids.Add(id);
            Text?.Append(pieceText);
        }

        /// <summary>Appends ordinary text (encoded without a beginning-of-sequence id; special-token text stays text).</summary>
        public void Ordinary(string text)
        {
            if (text.Length == 0) return;
            Ids.AddRange(Tokenizer.Encode(text, addBos: false));
            Text?.Append(text);
        }
    }
}
