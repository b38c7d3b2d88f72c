using System.Text;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// The segmentation step of SentencePiece BPE (bpe_model.cc <c>Model::SampleEncode</c> without sampling, plus the byte
/// fallback of <c>SentencePieceProcessor</c>), applied to text that is already normalized (U+2581 for spaces, dummy
/// prefix added).
/// </summary>
/// <remarks>
/// <para>Why this exists instead of calling <c>SentencePieceTokenizer.EncodeToIds</c>: Microsoft.ML.Tokenizers 2.0.1
/// runs the same algorithm with two differences from SentencePiece, and neither can be configured away.</para>
/// <list type="number">
/// <item><b>Ties.</b> When two candidate merges have the same score, SentencePiece (and llama.cpp) take the leftmost;
/// Microsoft.ML.Tokenizers' <c>SymbolPair.CompareTo</c> takes the rightmost. Equal scores arise whenever the same piece
/// can form at two overlapping places, i.e. in repeated letters: on the TinyStories vocabulary "Sooo" is
/// ▁S·oo·o for SentencePiece but ▁So·oo for Microsoft.ML.Tokenizers, "Nooo!" ▁N·oo·o·! versus ▁No·oo·!. Scores cannot
/// be changed to break such ties, because both candidates are the same piece.</item>
/// <item><b>Reserved pieces.</b> SentencePiece merges two symbols only into a NORMAL, USER_DEFINED or UNUSED piece;
/// Microsoft.ML.Tokenizers merges into any piece, so with a vocabulary that also has "&lt;s" the text "&lt;s&gt;" becomes
/// the BOS id.</item>
/// </list>
/// <para>Everything else (the symbol list, stale-pair checks, re-segmentation of UNUSED pieces, byte fallback) follows
/// SentencePiece. User-defined pieces are matched first and never merged, as SentencePiece's prefix matcher does.</para>
/// <para>Thread-safe: scratch buffers are per thread.</para>
/// </remarks>
internal sealed class SentencePieceBpeEncoder
{
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _mergeable;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _reserved;
    private readonly float[] _scores;
    private readonly SentencePiecePieceType[] _types;
    private readonly string[] _userDefinedLongestFirst;
    private readonly int _unknownId;
    private readonly bool _byteFallback;
    private readonly int _byteOffset;
    private readonly bool _hasUnused;

    [ThreadStatic] private static Scratch? t_scratch;

    public SentencePieceBpeEncoder(SentencePieceModel model)
    {
        var mergeable = new Dictionary<string, int>(model.Count, StringComparer.Ordinal);
        var reserved = new Dictionary<string, int>(StringComparer.Ordinal);
        var userDefined = new List<string>();
        for (var id = 0; id < model.Count; id++)
        {
            var type = model.Types[id];
            var isMergeable = type is SentencePiecePieceType.Normal or SentencePiecePieceType.UserDefined or SentencePiecePieceType.Unused;
            (isMergeable ? mergeable : reserved).TryAdd(model.Pieces[id], id);
            if (type == SentencePiecePieceType.UserDefined) userDefined.Add(model.Pieces[id]);
            if (type == SentencePiecePieceType.Unused) _hasUnused = true;
        }

        _mergeable = mergeable.GetAlternateLookup<ReadOnlySpan<char>>();
        _reserved = reserved.GetAlternateLookup<ReadOnlySpan<char>>();
        _scores = model.Scores;
        _types = model.Types;
        _userDefinedLongestFirst = [.. userDefined.OrderByDescending(p => p.Length)];
        _unknownId = model.UnknownId;
        _byteFallback = model.ByteFallback;
        _byteOffset = model.ByteFallback ? reserved["<0x00>"] : -1;
    }

    /// <summary>Appends the ids of <paramref name="normalized"/> to <paramref name="ids"/>.</summary>
    public void Encode(ReadOnlySpan<char> normalized, List<int> ids)
    {
        if (normalized.IsEmpty) return;
        var scratch = t_scratch ??= new Scratch();
        scratch.Prepare(normalized.Length);
        var symbols = scratch.Symbols;
        var agenda = scratch.Agenda;
        var count = Split(normalized, symbols);

        for (var i = 1; i < count; i++) TryAddPair(normalized, symbols, agenda, i - 1, i);

        while (agenda.TryDequeue(out var pair, out _))
        {
            ref var left = ref symbols[pair.Left];
            ref var right = ref symbols[pair.Right];
            // Skip pairs made stale by an earlier merge (SentencePiece's test, verbatim in meaning).
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != pair.Length) continue;

            if (_hasUnused && _types[pair.Id] == SentencePiecePieceType.Unused)
                scratch.RevMerge[pair.Id] = left.Length;   // keyed by piece, last merge wins, as SentencePiece's rev_merge
            left.Length = pair.Length;
            left.Next = right.Next;
            if (right.Next >= 0) symbols[right.Next].Prev = pair.Left;
            right.Length = 0;

            TryAddPair(normalized, symbols, agenda, left.Prev, pair.Left);
            TryAddPair(normalized, symbols, agenda, pair.Left, left.Next);
        }

        for (var i = 0; i >= 0; i = symbols[i].Next) Emit(normalized, symbols[i].Start, symbols[i].Length, scratch, ids);
    }

    /// <summary>One symbol per code point, except that a user-defined piece is one frozen symbol.</summary>
    private int Split(ReadOnlySpan<char> text, Symbol[] symbols)
    {
        var count = 0;
        for (var position = 0; position < text.Length;)
        {
            var length = 0;
            var frozen = false;
            foreach (var piece in _userDefinedLongestFirst)
            {
                if (text[position..].StartsWith(piece, StringComparison.Ordinal))
                {
                    length = piece.Length;
                    frozen = true;
                    break;
                }
            }
            if (length == 0) length = char.IsHighSurrogate(text[position]) && position + 1 < text.Length && char.IsLowSurrogate(text[position + 1]) ? 2 : 1;
            symbols[count] = new Symbol(position, length, count - 1, position + length < text.Length ? count + 1 : -1, frozen);
            count++;
            position += length;
        }
        return count;
    }

    private void TryAddPair(ReadOnlySpan<char> text, Symbol[] symbols, PriorityQueue<Pair, Pair> agenda, int left, int right)
    {
        if (left < 0 || right < 0 || symbols[left].Frozen || symbols[right].Frozen) return;
        var length = symbols[left].Length + symbols[right].Length;
        if (!_mergeable.TryGetValue(text.Slice(symbols[left].Start, length), out var id)) return;
        var pair = new Pair(left, right, length, id, _scores[id]);
        agenda.Enqueue(pair, pair);
    }

    /// <summary>SentencePiece's <c>resegment</c> and byte fallback for one final symbol.</summary>
    private void Emit(ReadOnlySpan<char> text, int start, int length, Scratch scratch, List<int> ids)
    {
        var piece = text.Slice(start, length);
        // SentencePiece's PieceToId consults the reserved pieces first.
        if (!_reserved.TryGetValue(piece, out var id) && !_mergeable.TryGetValue(piece, out id)) id = _unknownId;

        if (_hasUnused && _types[id] == SentencePiecePieceType.Unused && scratch.RevMerge.TryGetValue(id, out var leftLength))
        {
            Emit(text, start, leftLength, scratch, ids);
            Emit(text, start + leftLength, length - leftLength, scratch, ids);
            return;
        }

        if (id == _unknownId && _byteFallback)
        {
            Span<byte> bytes = stackalloc byte[64];
            var count = Encoding.UTF8.GetByteCount(piece);
            var buffer = count <= bytes.Length ? bytes : new byte[count];
            count = Encoding.UTF8.GetBytes(piece, buffer);
            foreach (var b in buffer[..count]) ids.Add(_byteOffset + b);
            return;
        }

        // Without byte fallback SentencePiece folds consecutive unknown pieces into one.
        if (id == _unknownId && ids.Count > 0 && ids[^1] == _unknownId) return;
        ids.Add(id);
    }

    private record struct Symbol(int Start, int Length, int Prev, int Next, bool Frozen);

    /// <summary>A candidate merge. Ordered by score (higher first), then by position (leftmost first), as SentencePiece.</summary>
    private readonly record struct Pair(int Left, int Right, int Length, int Id, float Score) : IComparable<Pair>
    {
        public int CompareTo(Pair other)
        {
            var byScore = other.Score.CompareTo(Score);
            return byScore != 0 ? byScore : Left.CompareTo(other.Left);
        }
    }

    private sealed class Scratch
    {
        public Symbol[] Symbols { get; private set; } = new Symbol[256];
        public PriorityQueue<Pair, Pair> Agenda { get; } = new(Comparer<Pair>.Default);
        public Dictionary<int, int> RevMerge { get; } = [];

        public void Prepare(int length)
        {
            if (Symbols.Length < length) Symbols = new Symbol[Math.Max(length, Symbols.Length * 2)];
            Agenda.Clear();
            RevMerge.Clear();
        }
    }
}
