namespace BitNet.Extensions.AI;

/// <summary>What <see cref="BitNetPreprocessingChatClient"/> does with emoji (see <see cref="BitNetPreprocessingOptions.EmojiHandling"/>).</summary>
public enum EmojiHandling
{
    /// <summary>Emoji are kept as they are.</summary>
    Keep,

    /// <summary>
    /// A run of more than <see cref="BitNetPreprocessingOptions.MaxEmojiRun"/> adjacent emoji keeps its first
    /// <see cref="BitNetPreprocessingOptions.MaxEmojiRun"/> and drops the rest (the default).
    /// </summary>
    Collapse,

    /// <summary>Every emoji is removed.</summary>
    Remove,

    /// <summary>Every run of adjacent emoji is replaced by <see cref="BitNetPreprocessingOptions.EmojiReplacement"/>, once.</summary>
    Replace,
}
