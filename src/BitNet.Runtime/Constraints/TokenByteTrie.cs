namespace BitNet.Runtime.Constraints;

/// <summary>
/// A trie over the byte strings of a set of tokens, so that a token mask steps the grammar once per shared prefix
/// instead of once per byte of every token. Node 0 is the root; the children of a node are contiguous, and the ids of
/// the tokens that end at a node are a contiguous run of <see cref="TokenIds"/>.
/// </summary>
internal sealed class TokenByteTrie
{
    public TokenByteTrie(byte[][] tokenBytes, IEnumerable<int> ids)
    {
        // Sorted by bytes, every node's tokens (shorter first) and every child's subtree are contiguous runs.
        var sorted = ids.Where(id => tokenBytes[id].Length > 0).ToArray();
        Array.Sort(sorted, (a, b) =>
        {
            var order = tokenBytes[a].AsSpan().SequenceCompareTo(tokenBytes[b]);
            return order != 0 ? order : a.CompareTo(b);
        });
        TokenIds = sorted;

        var edge = new List<byte> { 0 };
        var firstChild = new List<int> { 0 };
        var childCount = new List<int> { 0 };
        var tokenStart = new List<int> { 0 };
        var tokenCount = new List<int> { 0 };
        var depth = new List<int> { 0 };
        var ranges = new List<(int Lo, int Hi)> { (0, sorted.Length) };
        // Breadth first, so that each node's children are appended together.
        for (var node = 0; node < ranges.Count; node++)
        {
            var (lo, hi) = ranges[node];
            var d = depth[node];
            tokenStart[node] = lo;
            while (lo < hi && tokenBytes[sorted[lo]].Length == d) lo++;
            tokenCount[node] = lo - tokenStart[node];
            firstChild[node] = edge.Count;
            while (lo < hi)
            {
                var b = tokenBytes[sorted[lo]][d];
                var end = lo;
                while (end < hi && tokenBytes[sorted[end]][d] == b) end++;
                edge.Add(b);
                firstChild.Add(0);
                childCount.Add(0);
                tokenStart.Add(0);
                tokenCount.Add(0);
                depth.Add(d + 1);
                ranges.Add((lo, end));
                childCount[node]++;
                MaxDepth = Math.Max(MaxDepth, d + 1);
                lo = end;
            }
        }

        Edge = [.. edge];
        FirstChild = [.. firstChild];
        ChildCount = [.. childCount];
        TokenStart = [.. tokenStart];
        TokenCount = [.. tokenCount];
    }

    /// <summary>The byte on the edge into each node.</summary>
    public byte[] Edge { get; }

    public int[] FirstChild { get; }

    public int[] ChildCount { get; }

    /// <summary>Where a node's tokens start in <see cref="TokenIds"/>.</summary>
    public int[] TokenStart { get; }

    public int[] TokenCount { get; }

    /// <summary>The token ids, sorted by their bytes.</summary>
    public int[] TokenIds { get; }

    /// <summary>The longest token, in bytes.</summary>
    public int MaxDepth { get; }

    public int NodeCount => Edge.Length;
}
