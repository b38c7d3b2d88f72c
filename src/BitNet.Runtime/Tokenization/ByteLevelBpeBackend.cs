using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// Byte-level BPE (GPT-2, Llama 3, BitNet b1.58 2B4T) on Microsoft.ML.Tokenizers: a <see cref="BpeTokenizer"/> with
/// <see cref="BpeOptions.ByteLevel"/>, the GGUF's vocabulary and ranked merges, and the pre-tokenizer the GGUF names
/// (<see cref="ByteLevelPreTokenizer"/>) as a <see cref="RegexPreTokenizer"/>.
/// </summary>
/// <remarks>
/// <para><b>Encoding</b> splits the text into words with the pre-tokenizer and, per word, emits the word's id when the
/// word (as bytes) is itself an ordinary vocabulary entry and the pre-tokenizer asks for whole-word lookup (tiktoken;
/// llama.cpp's and Hugging Face's <c>ignore_merges</c> for Llama 3); otherwise it lets the <see cref="BpeTokenizer"/>
/// merge the word's bytes by merge rank. Microsoft.ML.Tokenizers 2.0.1 has no whole-word option, which is the only reason
/// the words are not handed to it in one call. Special-token text such as <c>&lt;|eot_id|&gt;</c> in the input is
/// ordinary text; chat templates insert special ids by id (<see cref="BitNetTokenizer.FindPiece"/>).</para>
/// <para><b>Decoding</b> is <see cref="ByteLevelDecoder"/>, which also streams.</para>
/// </remarks>
internal sealed class ByteLevelBpeBackend : TokenizerBackend
{
    private const int StackChars = 256;

    private readonly ByteLevelVocabulary _vocabulary;
    private readonly BpeTokenizer _inner;
    private readonly RegexPreTokenizer _words;
    private readonly ByteLevelPreTokenizer _preTokenizer;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wholeWords;
    private readonly ByteLevelDecoder _decoder;

    public ByteLevelBpeBackend(ByteLevelVocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        _preTokenizer = ByteLevelPreTokenizer.FromGgufName(vocabulary.PreTokenizerName);

        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        var ordinary = new Dictionary<string, int>(vocabulary.Tokens.Length, StringComparer.Ordinal);
        for (var id = 0; id < vocabulary.Tokens.Length; id++)
            (vocabulary.IsByteText(id) ? ordinary : special)[vocabulary.Tokens[id]] = id;

        _inner = BpeTokenizer.Create(new BpeOptions(vocabulary.Tokens.Select(static (token, id) => new KeyValuePair<string, int>(token, id)))
        {
            Merges = vocabulary.Merges,
            ByteLevel = true,
            // The inner tokenizer on its own (Inner) splits special-token text out, as Hugging Face does by default.
            PreTokenizer = new RegexPreTokenizer(_preTokenizer.Regex, special.Count > 0 ? special : null),
            SpecialTokens = special.Count > 0 ? special : null,
        });
        _words = new RegexPreTokenizer(_preTokenizer.Regex, specialTokens: null);
        _wholeWords = ordinary.GetAlternateLookup<ReadOnlySpan<char>>();
        _decoder = new ByteLevelDecoder(vocabulary);
    }

    public ByteLevelVocabulary Vocabulary => _vocabulary;

    public override Tokenizer Inner => _inner;

    public override int Count => _vocabulary.Tokens.Length;

    public override TokenDecoder Decoder => _decoder;

    public override string? PreTokenizerName => _preTokenizer.Name;

    public override void Encode(string text, List<int> ids)
    {
        foreach (var (offset, length) in _words.PreTokenize(text))
        {
            var word = text.AsSpan(offset, length);
            if (_preTokenizer.WholeWordLookup && TryGetWholeWord(word, out var id))
            {
                ids.Add(id);
                continue;
            }
            foreach (var merged in _inner.EncodeToIds(word, considerPreTokenization: false, considerNormalization: false)) ids.Add(merged);
        }
    }

    /// <summary>Looks a word up as one token: its UTF-8 bytes written in the byte alphabet.</summary>
    private bool TryGetWholeWord(ReadOnlySpan<char> word, out int id)
    {
        var byteCount = Encoding.UTF8.GetByteCount(word);
        byte[]? rentedBytes = null;
        char[]? rentedChars = null;
        var bytes = byteCount <= StackChars ? stackalloc byte[StackChars] : (rentedBytes = ArrayPool<byte>.Shared.Rent(byteCount));
        var chars = byteCount <= StackChars ? stackalloc char[StackChars] : (rentedChars = ArrayPool<char>.Shared.Rent(byteCount));
        try
        {
            Encoding.UTF8.GetBytes(word, bytes);
            ByteLevelAlphabet.Encode(bytes[..byteCount], chars);
            return _wholeWords.TryGetValue(chars[..byteCount], out id);
        }
        finally
        {
            if (rentedBytes is not null) ArrayPool<byte>.Shared.Return(rentedBytes);
            if (rentedChars is not null) ArrayPool<char>.Shared.Return(rentedChars);
        }
    }

    public override string GetPieceText(int id) => _vocabulary.Tokens[id];

    public override bool IsControl(int id) => _vocabulary.Types[id] == ByteLevelVocabulary.TokenType.Control;

    public override bool IsByte(int id) => false;

    public override int FindPiece(string text) => _vocabulary.Ids.TryGetValue(text, out var id) ? id : -1;
}
