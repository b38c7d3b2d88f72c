namespace BitNet.Runtime.Synthesis;

/// <summary>
/// A SentencePiece-style vocabulary of any size (at least <see cref="MinimumSize"/>), laid out as Llama 2's and the
/// TinyStories model's: <c>&lt;unk&gt;</c>, <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, the 256 byte pieces <c>&lt;0x00&gt;</c>…<c>&lt;0xFF&gt;</c>,
/// then unique normal pieces with descending scores: the characters of a small alphabet (<c>▁</c>, letters, digits,
/// punctuation), then every pair of them, then every triple, until the size is reached.
/// </summary>
/// <remarks>Written as <c>tokenizer.ggml.model = llama</c> with <c>tokens</c>, <c>scores</c> (float32) and <c>token_type</c>
/// (int32, llama.cpp's numbering), which both this engine's tokenizer and llama.cpp's SPM loader read. Text encodes
/// into these pieces by BPE merges, and characters outside the alphabet fall back to bytes.</remarks>
public sealed class SyntheticVocabulary
{
    /// <summary>The id of <c>&lt;unk&gt;</c>.</summary>
    public const int UnknownId = 0;

    /// <summary>The id of <c>&lt;s&gt;</c>.</summary>
    public const int BosId = 1;

    /// <summary>The id of <c>&lt;/s&gt;</c>.</summary>
    public const int EosId = 2;

    /// <summary>The id of the byte piece <c>&lt;0x00&gt;</c>; byte b is <c>FirstByteId + b</c>.</summary>
    public const int FirstByteId = 3;

    /// <summary>The smallest size: the 3 special pieces, 256 byte pieces and the alphabet's characters.</summary>
    public static int MinimumSize => FirstByteId + 256 + Alphabet.Length;

    // llama.cpp's token types.
    private const int Normal = 1, Unknown = 2, Control = 3, Byte = 6;

    private const string Alphabet = "▁abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"-:;()";

    private SyntheticVocabulary(string[] pieces, float[] scores, int[] types)
    {
        Pieces = pieces;
        Scores = scores;
        Types = types;
    }

    /// <summary>The pieces, by id.</summary>
    public string[] Pieces { get; }

    /// <summary>The scores, by id (0 for special and byte pieces; −i for the i-th normal piece).</summary>
    public float[] Scores { get; }

    /// <summary>The llama.cpp token types, by id (2 unknown, 3 control, 6 byte, 1 normal).</summary>
    public int[] Types { get; }

    /// <summary>Builds a vocabulary of exactly <paramref name="size"/> pieces.</summary>
    public static SyntheticVocabulary Create(int size)
    {
        var alphabetSize = Alphabet.Length;
        var capacity = FirstByteId + 256 + alphabetSize + (long)alphabetSize * alphabetSize + (long)alphabetSize * alphabetSize * alphabetSize;
        if (size < MinimumSize || size > capacity)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"A synthetic vocabulary has {MinimumSize} to {capacity} pieces.");
        var pieces = new string[size];
        var scores = new float[size];
        var types = new int[size];
        pieces[UnknownId] = "<unk>";
        types[UnknownId] = Unknown;
        pieces[BosId] = "<s>";
        types[BosId] = Control;
        pieces[EosId] = "</s>";
        types[EosId] = Control;
        for (var b = 0; b < 256; b++)
        {
            pieces[FirstByteId + b] = $"<0x{b:X2}>";
            types[FirstByteId + b] = Byte;
        }
        var id = FirstByteId + 256;
        foreach (var piece in NormalPieces())
        {
            if (id == size) break;
            pieces[id] = piece;
            scores[id] = -(id - FirstByteId - 256);
            types[id] = Normal;
            id++;
        }
        return new SyntheticVocabulary(pieces, scores, types);
    }

    private static IEnumerable<string> NormalPieces()
    {
        foreach (var a in Alphabet) yield return a.ToString();
        foreach (var a in Alphabet)
            foreach (var b in Alphabet) yield return string.Concat(a, b);
        foreach (var a in Alphabet)
            foreach (var b in Alphabet)
                foreach (var c in Alphabet) yield return $"{a}{b}{c}";
    }
}
