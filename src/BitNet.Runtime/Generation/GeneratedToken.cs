namespace BitNet.Runtime.Generation;

/// <summary>One generated token and the text it released.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Text">
/// Text that became final with this token: empty while UTF-8 bytes or a possible stop sequence are held back, and
/// longer when held-back text is released. The concatenation of every token's text is the generated text.
/// </param>
public readonly record struct GeneratedToken(int Id, string Text);
