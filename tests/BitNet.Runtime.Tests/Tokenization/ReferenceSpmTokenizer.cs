using System.Text;

namespace BitNet.Runtime.Tests.Tokenization;

/// <summary>
/// A deliberately simple, independent SentencePiece-BPE encoder used as a test oracle. It follows the algorithm that
/// MODEL_CARD.md says gives SentencePiece's ids on every text tried (and that SentencePiece's bpe_model.cc runs):
/// prepend U+2581 and map ' ' to U+2581; start from one symbol per code point; repeatedly merge the adjacent pair whose
/// concatenation is a NORMAL/USER_DEFINED/UNUSED piece with the highest score (ties: leftmost); then emit each symbol's
/// id, or its UTF-8 bytes as &lt;0xXX&gt; pieces when it is not in the vocabulary.
/// </summary>
internal sealed class ReferenceSpmTokenizer
{
    private readonly Dictionary<string, int> _mergeable = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _all = new(StringComparer.Ordinal);
    private readonly float[] _scores;
    private readonly int _byteOffset;

    public ReferenceSpmTokenizer(IReadOnlyList<string> pieces, IReadOnlyList<float> scores, IReadOnlyList<int> types)
    {
        _scores = [.. scores];
        for (var id = 0; id < pieces.Count; id++)
        {
            _all.TryAdd(pieces[id], id);
            if (types[id] is 1 or 4 or 5) _mergeable.Add(pieces[id], id);
        }
        _byteOffset = _all["<0x00>"];
    }

    public List<int> Encode(string text)
    {
        var ids = new List<int>();
        if (text.Length == 0) return ids;

        var normalized = "\u2581" + text.Replace(' ', '\u2581');
        var symbols = new List<string>();
        foreach (var rune in normalized.EnumerateRunes()) symbols.Add(rune.ToString());
        var n = symbols.Count;
        var prev = new int[n];
        var next = new int[n];
        for (var i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }

        var agenda = new PriorityQueue<(int Left, int Right, string Text), (float NegativeScore, int Left)>();
        void TryAdd(int left, int right)
        {
            if (left < 0 || right < 0) return;
            var merged = symbols[left] + symbols[right];
            if (_mergeable.TryGetValue(merged, out var id)) agenda.Enqueue((left, right, merged), (-_scores[id], left));
        }

        for (var i = 0; i + 1 < n; i++) TryAdd(i, i + 1);
        while (agenda.TryDequeue(out var pair, out _))
        {
            // Skip pairs that an earlier merge made stale.
            if (symbols[pair.Left].Length == 0 || symbols[pair.Right].Length == 0 || next[pair.Left] != pair.Right ||
                symbols[pair.Left].Length + symbols[pair.Right].Length != pair.Text.Length)
                continue;
            symbols[pair.Left] = pair.Text;
            symbols[pair.Right] = "";
            next[pair.Left] = next[pair.Right];
            if (next[pair.Right] >= 0) prev[next[pair.Right]] = pair.Left;
            TryAdd(prev[pair.Left], pair.Left);
            TryAdd(pair.Left, next[pair.Left]);
        }

        for (var i = 0; i >= 0; i = next[i])
        {
            if (_all.TryGetValue(symbols[i], out var id))
            {
                ids.Add(id);
            }
            else
            {
                foreach (var b in Encoding.UTF8.GetBytes(symbols[i])) ids.Add(_byteOffset + b);
            }
        }
        return ids;
    }
}
