namespace BitNet.Runtime.Constraints;

/// <summary>
/// A fixed set of byte strings (the JSON texts of an enum, a const, or <c>true</c>/<c>false</c>/<c>null</c>) as a trie:
/// node 0 is the root, the children of a node are contiguous.
/// </summary>
internal sealed class LiteralTrie
{
    private readonly byte[] _edge;
    private readonly int[] _firstChild;
    private readonly int[] _childCount;
    private readonly bool[] _accepting;
    private readonly int[] _minRemaining;

    public LiteralTrie(IReadOnlyList<byte[]> literals)
    {
        if (literals.Count == 0) throw new ArgumentException("A literal set needs at least one literal.", nameof(literals));
        var sorted = literals.Distinct(ByteArrayComparer.Instance).OrderBy(l => l, ByteArrayComparer.Instance).ToArray();
        var edge = new List<byte> { 0 };
        var firstChild = new List<int> { 0 };
        var childCount = new List<int> { 0 };
        var accepting = new List<bool> { false };
        var depth = new List<int> { 0 };
        var ranges = new List<(int Lo, int Hi)> { (0, sorted.Length) };

        // Breadth first, so that each node's children are appended together.
        for (var node = 0; node < ranges.Count; node++)
        {
            var (lo, hi) = ranges[node];
            var d = depth[node];
            while (lo < hi && sorted[lo].Length == d)
            {
                accepting[node] = true;
                lo++;
            }

            firstChild[node] = edge.Count;
            while (lo < hi)
            {
                var b = sorted[lo][d];
                var end = lo;
                while (end < hi && sorted[end][d] == b) end++;
                edge.Add(b);
                firstChild.Add(0);
                childCount.Add(0);
                accepting.Add(false);
                depth.Add(d + 1);
                ranges.Add((lo, end));
                childCount[node]++;
                lo = end;
            }
        }

        _edge = [.. edge];
        _firstChild = [.. firstChild];
        _childCount = [.. childCount];
        _accepting = [.. accepting];
        _minRemaining = new int[_edge.Length];
        // Children come after their parent, so a backward pass sees every child first.
        for (var node = _edge.Length - 1; node >= 0; node--)
        {
            var best = _accepting[node] ? 0 : int.MaxValue;
            for (var c = _firstChild[node]; c < _firstChild[node] + _childCount[node]; c++)
                best = Math.Min(best, _minRemaining[c] + 1);
            _minRemaining[node] = best;
        }
    }

    /// <summary>The length of the shortest literal.</summary>
    public int MinLength => _minRemaining[0];

    /// <summary>The child of <paramref name="node"/> along byte <paramref name="b"/>, or -1.</summary>
    public int Next(int node, byte b)
    {
        var first = _firstChild[node];
        var end = first + _childCount[node];
        for (var c = first; c < end; c++)
            if (_edge[c] == b) return c;
        return -1;
    }

    /// <summary>Whether a literal ends at <paramref name="node"/>.</summary>
    public bool IsAccepting(int node) => _accepting[node];

    /// <summary>Whether some literal continues past <paramref name="node"/>.</summary>
    public bool HasChildren(int node) => _childCount[node] > 0;

    /// <summary>The fewest bytes from <paramref name="node"/> to the end of a literal.</summary>
    public int MinRemaining(int node) => _minRemaining[node];

    /// <summary>The number of nodes (root included).</summary>
    public int NodeCount => _edge.Length;

    /// <summary>The node where <paramref name="literal"/> ends, or -1 when it is not in the set.</summary>
    public int Find(ReadOnlySpan<byte> literal)
    {
        var node = 0;
        foreach (var b in literal)
            if ((node = Next(node, b)) < 0) return -1;
        return _accepting[node] ? node : -1;
    }

    /// <summary>For every node, the least of (bytes to an accepting node + <paramref name="acceptingCost"/> of that node).</summary>
    public int[] MinCosts(Func<int, int> acceptingCost)
    {
        var costs = new int[_edge.Length];
        // Children come after their parent, so a backward pass sees every child first.
        for (var node = _edge.Length - 1; node >= 0; node--)
        {
            var best = _accepting[node] ? acceptingCost(node) : int.MaxValue;
            for (var c = _firstChild[node]; c < _firstChild[node] + _childCount[node]; c++)
                if (costs[c] != int.MaxValue) best = Math.Min(best, costs[c] + 1);
            costs[node] = best;
        }

        return costs;
    }

    /// <summary>The bytes a literal may start with.</summary>
    public IEnumerable<byte> FirstBytes()
    {
        for (var c = _firstChild[0]; c < _firstChild[0] + _childCount[0]; c++) yield return _edge[c];
    }

    private sealed class ByteArrayComparer : IComparer<byte[]>, IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
