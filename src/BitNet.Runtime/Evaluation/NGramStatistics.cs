namespace BitNet.Runtime.Evaluation;

/// <summary>
/// Repetition statistics of generated texts, over words: maximal runs of non-whitespace characters, lowercased
/// (invariant culture), punctuation kept. Texts are counted separately (an n-gram never spans two texts) and pooled.
/// </summary>
public sealed class NGramStatistics
{
    private readonly int _n;
    private readonly HashSet<string> _pooled = [];
    private readonly HashSet<string> _inText = [];
    private long _total;
    private long _repeated;

    /// <summary>Creates empty statistics for n-grams of <paramref name="n"/> words.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is below 1.</exception>
    public NGramStatistics(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        _n = n;
    }

    /// <summary>The n-gram length in words.</summary>
    public int N => _n;

    /// <summary>N-grams counted over all texts (a text of w words has max(0, w − n + 1)).</summary>
    public long Total => _total;

    /// <summary>
    /// The repetition rate: the fraction of n-grams that already occurred earlier in the same text
    /// (Σ repeated / Σ n-grams over all texts); 0 when there are none.
    /// </summary>
    public double RepetitionRate => _total == 0 ? 0 : (double)_repeated / _total;

    /// <summary>Distinct-n (Li et al. 2016): distinct n-grams over all texts pooled / all n-grams; 0 when there are none.</summary>
    public double Distinct => _total == 0 ? 0 : (double)_pooled.Count / _total;

    /// <summary>Adds one text.</summary>
    public void Add(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        _inText.Clear();
        for (var i = 0; i + _n <= words.Length; i++)
        {
            var gram = string.Join(' ', words, i, _n);
            _total++;
            if (!_inText.Add(gram))
                _repeated++;
            _pooled.Add(gram);
        }
    }
}
