// TEMPORARY STUB: replaced by the real tokenizer branch on merge.
using BitNet.Runtime.Gguf;
namespace BitNet.Runtime.Tokenization;
/// <summary>stub</summary>
public sealed class BitNetTokenizer
{
    /// <summary>stub</summary>
    public static BitNetTokenizer FromGguf(GgufFile file) { _ = file; return new BitNetTokenizer(); }
    /// <summary>stub</summary>
    public int BosId => 1;
    /// <summary>stub</summary>
    public int EosId => 2;
    /// <summary>stub</summary>
    public IReadOnlyList<int> EndOfGenerationIds => [2];
    /// <summary>stub</summary>
    public int[] Encode(string text, bool? addBos = null) { _ = text; _ = addBos; return [1]; }
    /// <summary>stub</summary>
    public string Decode(ReadOnlySpan<int> ids) { _ = ids; return ""; }
    /// <summary>stub</summary>
    public StreamingDetokenizer CreateStreamingDetokenizer() => new();
}
/// <summary>stub</summary>
public sealed class StreamingDetokenizer
{
    /// <summary>stub</summary>
    public string Append(int tokenId) { _ = tokenId; return ""; }
    /// <summary>stub</summary>
    public string Flush() => "";
    /// <summary>stub</summary>
    public void Reset() { }
}
