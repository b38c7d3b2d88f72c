using System.Numerics;
using System.Numerics.Tensors;

namespace BitNet.Runtime.Sampling;

/// <summary>
/// Chooses the next token from a vector of logits according to <see cref="SamplingOptions"/>. Use one sampler per
/// sequence: it owns that sequence's random number generator and its scratch buffers.
/// </summary>
/// <remarks>
/// <para><b>Penalties</b> come first and change the logits ℓ that everything below reads (the caller's span is not
/// modified). <b>Repetition</b> (<see cref="SamplingOptions.RepetitionPenalty"/> r ≠ 1): every distinct token among the
/// last <see cref="SamplingOptions.RepetitionPenaltyWindow"/> tokens of the sequence — the prompt tokens passed to
/// <see cref="AddPromptTokens"/> and the tokens this sampler generated — gets ℓ / r when ℓ &gt; 0 and ℓ · r otherwise
/// (CTRL, as llama.cpp applies it). <b>Frequency and presence</b> (OpenAI semantics): with c the number of times this
/// sampler has generated the token (the prompt does not count), ℓ −= c · <see cref="SamplingOptions.FrequencyPenalty"/> +
/// (c &gt; 0 ? <see cref="SamplingOptions.PresencePenalty"/> : 0), after the repetition penalty. <see cref="Sample"/>
/// records its choice for the penalties; <see cref="Reset"/> forgets every recorded token.</para>
/// <para><b>Greedy</b> (<see cref="SamplingOptions.Temperature"/> 0): the token with the largest (penalised) logit; ties
/// go to the lowest token id, NaN logits are never chosen, and the filters are ignored.</para>
/// <para><b>Sampling</b> (temperature &gt; 0) builds a candidate set in this order:</para>
/// <list type="number">
/// <item>Candidates are all tokens; a NaN or -∞ logit gives probability 0, so that token is never drawn.</item>
/// <item><b>Top-k</b> (<see cref="SamplingOptions.TopK"/> &gt; 0): keep the K candidates with the largest logits; ties at
/// the boundary go to the lower token id; NaN and -∞ logits are never kept. Partial selection with a K-element heap,
/// O(V log K), no full sort.</item>
/// <item><b>Top-nσ</b> (<see cref="SamplingOptions.TopNSigma"/> n &gt; 0): over the candidates with a finite logit, let
/// μ be the mean logit and σ = sqrt(Σ(ℓᵢ − μ)² / count) the population standard deviation (before temperature, after
/// the penalties and top-k); keep the candidates with ℓᵢ ≥ ℓₘₐₓ − n·σ. The most likely token always survives, and
/// because temperature divides ℓₘₐₓ, ℓᵢ and σ alike the kept set does not depend on it (Tang et al., "Top-nσ").
/// Skipped when some logit is +∞.</item>
/// <item><b>Temperature and softmax</b>, in single precision with the maximum subtracted:
/// wᵢ = exp((ℓᵢ − ℓₘₐₓ) / T) and pᵢ = wᵢ / Σw over the remaining candidates. If some logits are +∞ they share all
/// the probability equally.</item>
/// <item><b>Min-p</b> (<see cref="SamplingOptions.MinP"/> &gt; 0): keep candidates with pᵢ ≥ MinP · pₘₐₓ (evaluated as
/// wᵢ ≥ MinP · wₘₐₓ, where the normalisation cancels). The most probable token always survives.</item>
/// <item><b>Top-p</b> (<see cref="SamplingOptions.TopP"/> &lt; 1): order the remaining candidates by descending
/// probability (ties: lower token id first) and keep the shortest prefix whose cumulative probability, renormalised
/// over the candidates that survived the previous steps, is ≥ TopP — extended to the first
/// <see cref="SamplingOptions.MinKeep"/> candidates of that order when it is shorter. With top-k this is the fused
/// top-k/top-p set: the nucleus of the top-K distribution, never more than K tokens and never fewer than
/// min(MinKeep, K, candidates left).</item>
/// <item>Renormalise over what is left and draw one token with the sampler's own xoshiro256** generator.</item>
/// </list>
/// <para>
/// Each non-greedy <see cref="Sample"/> call consumes exactly one 64-bit random value, so a seed and a sequence of
/// logits always give the same tokens. The generator's stream is fixed by its algorithm (the same on every platform
/// and .NET version); the softmax uses vectorised <c>exp</c>, whose last-bit results could in principle differ between
/// CPUs, which would change a draw only when it falls within rounding distance of a cumulative-probability boundary.
/// </para>
/// <para>
/// Not thread-safe. After construction <see cref="Sample"/> allocates nothing: all scratch space (at most 36 bytes per
/// vocabulary entry, plus 4 per repetition-window token) is allocated up front; the penalties touch only the tokens
/// they count. Top-p does not sort the whole vocabulary: it first orders the 256 most
/// probable candidates and, only if their mass falls short of TopP, narrows the boundary down with value histograms
/// (sorting only the few hundred candidates of the final bucket).
/// </para>
/// </remarks>
public sealed class Sampler
{
    // Top-p first orders only this many of the most probable candidates; typical nucleus sets are far smaller.
    private const int TopPWindow = 256;

    // Histogram size for the wide-nucleus top-p search, and the set size below which it just sorts.
    private const int BucketCount = 1024;
    private const int SortThreshold = 512;

    // The draw sums weights per block (vectorised) and walks blocks before single tokens.
    private const int DrawBlock = 256;

    private readonly int _vocabularySize;
    private readonly float _temperature;
    private readonly int _topK;
    private readonly float _topP;
    private readonly float _minP;
    private readonly float _topNSigma;
    private readonly int _minKeep;

    // Null without penalties; otherwise the penalties and the penalised copy of the logits the filters read.
    private readonly LogitPenalties? _penalties;
    private readonly float[] _penalised;

    // Candidates, always in ascending token-id order: ids and, in place, logits then unnormalised probabilities.
    // While _identity is set the candidates are the whole vocabulary and _ids is not consulted (id = position).
    private readonly int[] _ids;
    private readonly float[] _weights;
    private bool _identity;

    // Sort keys (see Key) for the top-k heap and the top-p ordering; allocated only when one of them is enabled.
    private readonly ulong[] _keys;

    // Wide-nucleus top-p search: candidate positions and the value histogram; allocated only when top-p is enabled.
    private readonly int[] _positions;
    private readonly int[] _bucketCounts;
    private readonly double[] _bucketMass;

    private readonly double[] _blockSums;

    private Xoshiro256StarStar _rng;

    /// <summary>Creates a sampler for one sequence.</summary>
    /// <param name="options">The sampling options; validated here.</param>
    /// <param name="vocabularySize">The length of every logits vector that will be passed to <see cref="Sample"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or <paramref name="vocabularySize"/> is not positive.</exception>
    public Sampler(SamplingOptions options, int vocabularySize)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (vocabularySize <= 0)
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize,
                $"The vocabulary size must be >= 1; got {vocabularySize}.");

        Options = options;
        _vocabularySize = vocabularySize;
        _temperature = options.Temperature;
        _topK = options.TopK < vocabularySize ? options.TopK : 0; // K >= V keeps everything
        _topP = options.TopP;
        _minP = options.MinP;
        _topNSigma = options.TopNSigma;
        _minKeep = options.MinKeep;
        _penalties = options.HasPenalties ? new LogitPenalties(options, vocabularySize) : null;
        _penalised = options.HasPenalties ? new float[vocabularySize] : [];

        // Greedy needs no scratch space.
        var sampling = !options.IsGreedy;
        var topP = sampling && _topP < 1f;
        _ids = sampling ? new int[vocabularySize] : [];
        _weights = sampling ? new float[vocabularySize] : [];
        _blockSums = sampling ? new double[(vocabularySize + DrawBlock - 1) / DrawBlock] : [];
        _keys = sampling && (_topK > 0 || topP) ? new ulong[vocabularySize] : [];
        _positions = topP ? new int[vocabularySize] : [];
        _bucketCounts = topP ? new int[BucketCount] : [];
        _bucketMass = topP ? new double[BucketCount] : [];

        Reset();
    }

    /// <summary>The options this sampler was created with.</summary>
    public SamplingOptions Options { get; }

    /// <summary>The vocabulary size this sampler was created for.</summary>
    public int VocabularySize => _vocabularySize;

    /// <summary>Chooses the next token. See <see cref="Sampler"/> for the exact procedure.</summary>
    /// <param name="logits">One logit per vocabulary entry; not modified.</param>
    /// <returns>The chosen token id, in [0, vocabulary size).</returns>
    /// <exception cref="ArgumentException"><paramref name="logits"/> does not have one entry per vocabulary token.</exception>
    /// <exception cref="InvalidOperationException">Every logit is NaN or -∞, so no token can be chosen.</exception>
    public int Sample(ReadOnlySpan<float> logits)
    {
        CheckLength(logits);
        logits = Penalise(logits);
        var id = _temperature == 0f ? ArgMax(logits) : Draw(Filter(logits));
        _penalties?.AddGenerated(id);
        return id;
    }

    /// <summary>
    /// Adds the prompt's tokens (or any tokens the sequence holds before the generated ones) to the repetition
    /// penalty's window. They do not count for the frequency and presence penalties. Does nothing without a repetition
    /// penalty.
    /// </summary>
    /// <param name="tokens">Token ids in sequence order.</param>
    /// <exception cref="ArgumentOutOfRangeException">A token id is outside the vocabulary.</exception>
    public void AddPromptTokens(ReadOnlySpan<int> tokens) => _penalties?.AddContext(tokens);

    /// <summary>Re-seeds the random number generator and forgets the tokens the penalties have recorded.</summary>
    /// <param name="seed">
    /// The new seed. When <see langword="null"/>, <see cref="SamplingOptions.Seed"/> is used (so a seeded sampler
    /// restarts its sequence), or a fresh random seed when that is null too.
    /// </param>
    public void Reset(ulong? seed = null)
    {
        _rng = new Xoshiro256StarStar(seed ?? Options.Seed ?? Xoshiro256StarStar.RandomSeed());
        _penalties?.Clear();
    }

    /// <summary>
    /// The distribution <see cref="Sample"/> draws from for these logits: the kept tokens with non-zero probability,
    /// in ascending id order, with their renormalised probabilities. Allocates; for tests and diagnostics only.
    /// Does not touch the generator.
    /// </summary>
    internal (int TokenId, double Probability)[] GetFilteredDistribution(ReadOnlySpan<float> logits)
    {
        CheckLength(logits);
        logits = Penalise(logits);
        if (_temperature == 0f)
            return [(ArgMax(logits), 1.0)];

        var count = Filter(logits);
        var total = 0.0;
        var nonZero = 0;
        for (var j = 0; j < count; j++)
        {
            total += _weights[j];
            nonZero += _weights[j] > 0f ? 1 : 0;
        }

        var result = new (int, double)[nonZero];
        var k = 0;
        for (var j = 0; j < count; j++)
        {
            if (_weights[j] > 0f)
                result[k++] = (IdAt(j), _weights[j] / total);
        }

        return result;
    }

    /// <summary>Records <paramref name="token"/> as generated, as <see cref="Sample"/> does (for tests of the penalties).</summary>
    internal void RecordGenerated(int token) => _penalties?.AddGenerated(token);

    /// <summary>The next raw value of the generator (for tests of the stream).</summary>
    internal ulong NextRandom() => _rng.NextUInt64();

    /// <summary>Index of the largest logit, ignoring NaN; ties go to the lowest index.</summary>
    internal static int ArgMax(ReadOnlySpan<float> logits)
    {
        // The vectorised maximum propagates NaN; only then fall back to a NaN-skipping scan.
        var max = TensorPrimitives.Max(logits);
        if (float.IsNaN(max))
            max = MaxIgnoringNaN(logits);
        if (max == float.NegativeInfinity)
            throw NoCandidates(logits.Length);

        // Vector equality, like '==', equates -0 and +0, so signed-zero ties go to the lowest index too.
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var target = new Vector<float>(max);
            for (; i <= logits.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                if (Vector.EqualsAny(new Vector<float>(logits.Slice(i, Vector<float>.Count)), target))
                    break;
            }
        }

        for (; i < logits.Length; i++)
        {
            if (logits[i] == max)
                return i;
        }

        throw new InvalidOperationException("Unreachable: the maximum logit was not found.");
    }

    private static float MaxIgnoringNaN(ReadOnlySpan<float> values)
    {
        var max = float.NegativeInfinity;
        foreach (var v in values)
        {
            if (v > max)
                max = v;
        }

        return max;
    }

    private int IdAt(int position) => _identity ? position : _ids[position];

    /// <summary>The logits the choice is made from: a penalised copy when there are penalties.</summary>
    private ReadOnlySpan<float> Penalise(ReadOnlySpan<float> logits)
    {
        if (_penalties is null)
            return logits;
        _penalties.Apply(logits, _penalised);
        return _penalised;
    }

    /// <summary>Runs top-k, top-nσ, softmax, min-p and top-p; leaves the kept candidates in _ids/_weights and returns their count.</summary>
    private int Filter(ReadOnlySpan<float> logits)
    {
        int count;
        float max;
        ReadOnlySpan<float> source; // the candidates' logits
        if (_topK > 0)
        {
            count = CollectTopK(logits, out max);
            source = _weights.AsSpan(0, count);
            _identity = false;
        }
        else
        {
            // Every token is a candidate. The softmax reads the logits directly unless NaN must first become -inf
            // (weight exp(-inf) = 0).
            count = logits.Length;
            source = logits;
            max = TensorPrimitives.Max(logits);
            if (float.IsNaN(max))
            {
                var copy = _weights.AsSpan(0, count);
                logits.CopyTo(copy);
                for (var j = 0; j < copy.Length; j++)
                {
                    if (float.IsNaN(copy[j]))
                        copy[j] = float.NegativeInfinity;
                }

                max = TensorPrimitives.Max(copy);
                source = copy;
            }

            _identity = true;
        }

        if (count == 0 || max == float.NegativeInfinity)
            throw NoCandidates(logits.Length);

        if (_topNSigma > 0f && float.IsFinite(max))
        {
            count = KeepAtLeast(source, count, max - _topNSigma * StandardDeviation(source[..count]), int.MaxValue);
            source = _weights.AsSpan(0, count);
        }

        var w = _weights.AsSpan(0, count);
        if (float.IsPositiveInfinity(max))
        {
            // exp(+inf - +inf) is NaN; in the limit the +inf logits take all the mass, equally.
            for (var j = 0; j < w.Length; j++)
                w[j] = float.IsPositiveInfinity(source[j]) ? 1f : 0f;
        }
        else
        {
            TensorPrimitives.Subtract(source, max, w);
            if (_temperature != 1f)
                TensorPrimitives.Divide(w, _temperature, w);
            TensorPrimitives.Exp(w, w);
        }

        if (_minP > 0f)
            count = KeepAtLeast(w, count, _minP * TensorPrimitives.Max(w), int.MaxValue);
        if (_topP < 1f && count > 1)
            count = ApplyTopP(count);
        return count;
    }

    /// <summary>The K largest logits (ties: lower id), written out in ascending id order.</summary>
    private int CollectTopK(ReadOnlySpan<float> logits, out float max)
    {
        var heap = _keys.AsSpan(0, _topK);
        var size = SelectTop(logits, heap);

        // Keep only the ids (the low half of each key) and sort them, so candidates are in id order as elsewhere.
        var kept = heap[..size];
        for (var j = 0; j < kept.Length; j++)
            kept[j] = (uint)kept[j];
        kept.Sort();

        var m = float.NegativeInfinity;
        for (var j = 0; j < kept.Length; j++)
        {
            var id = (int)kept[j];
            var v = logits[id];
            _ids[j] = id;
            _weights[j] = v;
            if (v > m)
                m = v;
        }

        max = m;
        return size;
    }

    /// <summary>
    /// The population standard deviation of the finite values (-∞ marks a token that is not a candidate), in double
    /// precision from single-precision sums.
    /// </summary>
    private static float StandardDeviation(ReadOnlySpan<float> values)
    {
        double sum, squares;
        int n;
        if (float.IsFinite(TensorPrimitives.Min(values)))
        {
            sum = TensorPrimitives.Sum(values);
            squares = TensorPrimitives.SumOfSquares(values);
            n = values.Length;
        }
        else
        {
            (sum, squares, n) = (0, 0, 0);
            foreach (var v in values)
            {
                if (float.IsFinite(v))
                {
                    sum += v;
                    squares += (double)v * v;
                    n++;
                }
            }
        }

        var mean = sum / n;
        return (float)Math.Sqrt(Math.Max(0.0, squares / n - mean * mean));
    }

    /// <summary>
    /// Compacts the candidates, in order, to those whose value in <paramref name="source"/> (the candidates' logits or
    /// weights, position by position) is &gt; <paramref name="value"/>, or == value at position &lt;=
    /// <paramref name="lastPosition"/>, writing the kept values to _weights. Min-p and top-nσ pass int.MaxValue, so they
    /// keep values ≥ the threshold.
    /// </summary>
    private int KeepAtLeast(ReadOnlySpan<float> source, int count, float value, int lastPosition)
    {
        var w = source[..count];
        var output = _weights;
        var ids = _ids;
        var identity = _identity;
        var kept = 0;
        var j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // Usually few survive: skip whole vectors with nothing at or above the value.
            var floor = new Vector<float>(value);
            for (; j <= count - Vector<float>.Count; j += Vector<float>.Count)
            {
                if (!Vector.GreaterThanOrEqualAny(new Vector<float>(w.Slice(j, Vector<float>.Count)), floor))
                    continue;
                for (var i = j; i < j + Vector<float>.Count; i++)
                {
                    var x = w[i];
                    if (x > value || (x == value && i <= lastPosition))
                    {
                        ids[kept] = identity ? i : ids[i];
                        output[kept] = x;
                        kept++;
                    }
                }
            }
        }

        for (; j < count; j++)
        {
            var x = w[j];
            if (x > value || (x == value && j <= lastPosition))
            {
                ids[kept] = identity ? j : ids[j];
                output[kept] = x;
                kept++;
            }
        }

        _identity = false;
        return kept;
    }

    /// <summary>Keeps the shortest most-probable prefix with cumulative probability ≥ TopP, preserving id order.</summary>
    private int ApplyTopP(int count)
    {
        var w = _weights.AsSpan(0, count);
        var target = _topP * BlockSums(w);

        // Common case: the nucleus lies within the most probable few hundred, found by a heap and a small sort.
        var window = Math.Min(count, TopPWindow);
        var order = _keys.AsSpan(0, window);
        if (window == count)
        {
            for (var j = 0; j < count; j++)
                order[j] = Key(w[j], j);
        }
        else
        {
            SelectTop(w, order);
        }

        // Keys sort most probable first; candidate positions are in id order, so ties go to the lower id.
        order.Sort();
        var cumulative = 0.0;
        for (var j = 0; j < order.Length; j++)
        {
            cumulative += w[(int)(uint)order[j]];
            if (cumulative >= target)
                return KeepPositions(order[..Math.Max(j + 1, Math.Min(_minKeep, order.Length))]);
        }

        if (window == count)
            return count; // only reachable through rounding: keep everything

        var last = FindTopPBoundary(w, target);
        return KeepAtLeast(w, count, w[last], last);
    }

    /// <summary>
    /// Wide nucleus: finds the position of the last token of the top-p prefix without sorting everything. Histograms
    /// the values into buckets (monotone in value, so whole buckets above the crossing one are kept), then repeats on
    /// the single bucket where the cumulative mass crosses the target until it is small enough to sort.
    /// </summary>
    private int FindTopPBoundary(ReadOnlySpan<float> w, double target)
    {
        var positions = _positions;
        var counts = _bucketCounts;
        var mass = _bucketMass;
        var size = w.Length;
        for (var j = 0; j < size; j++)
            positions[j] = j;
        var lo = TensorPrimitives.Min(w);
        var hi = TensorPrimitives.Max(w);
        var above = 0.0; // mass of everything already known to be kept

        for (var depth = 0; ; depth++)
        {
            var set = positions.AsSpan(0, size);
            if (lo == hi)
            {
                // All equal: the order is by position, which the set is already in.
                foreach (var p in set)
                {
                    above += w[p];
                    if (above >= target)
                        return p;
                }

                return set[^1];
            }

            if (size <= SortThreshold || depth >= 8)
            {
                var keys = _keys.AsSpan(0, size);
                for (var j = 0; j < size; j++)
                    keys[j] = Key(w[set[j]], set[j]);
                keys.Sort();
                foreach (var key in keys)
                {
                    above += w[(int)(uint)key];
                    if (above >= target)
                        return (int)(uint)key;
                }

                return (int)(uint)keys[^1];
            }

            counts.AsSpan().Clear();
            mass.AsSpan().Clear();
            var scale = BucketCount / ((double)hi - lo);
            foreach (var p in set)
            {
                var b = Bucket(w[p], lo, scale);
                counts[b]++;
                mass[b] += w[p];
            }

            // Walk down from the most probable bucket to the one where the mass crosses the target.
            var c = BucketCount - 1;
            while (c > 0 && (counts[c] == 0 || above + mass[c] < target))
            {
                above += mass[c];
                c--;
            }

            // Narrow the set to that bucket (in place: the write index never passes the read index).
            var newSize = 0;
            var newLo = float.PositiveInfinity;
            var newHi = float.NegativeInfinity;
            for (var j = 0; j < size; j++)
            {
                var p = set[j];
                var x = w[p];
                if (Bucket(x, lo, scale) == c)
                {
                    positions[newSize++] = p;
                    newLo = Math.Min(newLo, x);
                    newHi = Math.Max(newHi, x);
                }
            }

            size = newSize;
            lo = newLo;
            hi = newHi;
        }
    }

    private static int Bucket(float value, float lo, double scale) =>
        Math.Min((int)((value - (double)lo) * scale), BucketCount - 1);

    /// <summary>Compacts the candidates to the positions named by <paramref name="keys"/>, in ascending id order.</summary>
    private int KeepPositions(Span<ulong> keys)
    {
        for (var j = 0; j < keys.Length; j++)
            keys[j] = (uint)keys[j];
        keys.Sort();

        // Positions are distinct and ascending, so position >= j and the forward copy never overwrites a pending entry.
        for (var j = 0; j < keys.Length; j++)
        {
            var p = (int)keys[j];
            _ids[j] = IdAt(p);
            _weights[j] = _weights[p];
        }

        _identity = false;
        return keys.Length;
    }

    /// <summary>Sums the weights per block into _blockSums and returns the total.</summary>
    private double BlockSums(ReadOnlySpan<float> w)
    {
        var total = 0.0;
        for (int b = 0, start = 0; start < w.Length; b++, start += DrawBlock)
        {
            double sum = TensorPrimitives.Sum(w.Slice(start, Math.Min(DrawBlock, w.Length - start)));
            _blockSums[b] = sum;
            total += sum;
        }

        return total;
    }

    /// <summary>Draws one candidate with probability proportional to its weight.</summary>
    private int Draw(int count)
    {
        var w = _weights.AsSpan(0, count);
        var total = BlockSums(w);
        var u = _rng.NextDouble() * total;

        // Skip whole blocks, then walk the block the draw falls in.
        var cumulative = 0.0;
        for (int b = 0, start = 0; start < count; b++, start += DrawBlock)
        {
            var blockSum = _blockSums[b];
            if (u >= cumulative + blockSum)
            {
                cumulative += blockSum;
                continue;
            }

            var end = Math.Min(start + DrawBlock, count);
            var last = -1;
            for (var j = start; j < end; j++)
            {
                var x = w[j];
                if (x > 0f) // zero-weight candidates can never be drawn
                {
                    cumulative += x;
                    last = j;
                    if (u < cumulative)
                        return IdAt(j);
                }
            }

            if (last >= 0)
                return IdAt(last); // the per-token sum rounded below the block sum
        }

        // u rounded up to the total: the last token with weight.
        for (var j = count - 1; j > 0; j--)
        {
            if (w[j] > 0f)
                return IdAt(j);
        }

        return IdAt(0);
    }

    /// <summary>
    /// Partial selection: fills <paramref name="heap"/> with the keys of the largest values (ties: lower position),
    /// skipping NaN and -inf, and returns how many it holds. The result is a max-heap on key, i.e. not sorted.
    /// </summary>
    private static int SelectTop(ReadOnlySpan<float> values, Span<ulong> heap)
    {
        var k = heap.Length;
        var size = 0;
        var i = 0;
        for (; i < values.Length && size < k; i++)
        {
            var v = values[i];
            if (v > float.NegativeInfinity)
            {
                heap[size] = Key(v, i);
                SiftUp(heap, size);
                size++;
            }
        }

        if (size < k)
            return size;

        // The root is the worst kept entry. A later value must beat it strictly: an equal one has a higher position.
        var floor = values[(int)(uint)heap[0]];
        if (Vector.IsHardwareAccelerated)
        {
            // Most values lose to the floor; test a whole vector at once (NaN lanes compare false).
            var lastStart = values.Length - Vector<float>.Count;
            for (; i <= lastStart; i += Vector<float>.Count)
            {
                var block = new Vector<float>(values.Slice(i, Vector<float>.Count));
                if (!Vector.GreaterThanAny(block, new Vector<float>(floor)))
                    continue;
                for (var j = i; j < i + Vector<float>.Count; j++)
                {
                    var v = values[j];
                    if (v > floor)
                    {
                        heap[0] = Key(v, j);
                        SiftDown(heap);
                        floor = values[(int)(uint)heap[0]];
                    }
                }
            }
        }

        for (; i < values.Length; i++)
        {
            var v = values[i];
            if (v > floor)
            {
                heap[0] = Key(v, i);
                SiftDown(heap);
                floor = values[(int)(uint)heap[0]];
            }
        }

        return size;
    }

    /// <summary>
    /// A 64-bit key that sorts ascending in order of descending value, then ascending position: the high half is the
    /// value's bits mapped to an order-preserving unsigned integer and inverted, the low half the position.
    /// </summary>
    private static ulong Key(float value, int position)
    {
        if (value == 0f)
            value = 0f; // -0 and +0 compare equal, so they must get the same key
        var bits = BitConverter.SingleToUInt32Bits(value);
        var ordered = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ((ulong)~ordered << 32) | (uint)position;
    }

    private static void SiftUp(Span<ulong> heap, int index)
    {
        var item = heap[index];
        while (index > 0)
        {
            var parent = (index - 1) >> 1;
            if (heap[parent] >= item)
                break;
            heap[index] = heap[parent];
            index = parent;
        }

        heap[index] = item;
    }

    private static void SiftDown(Span<ulong> heap)
    {
        var item = heap[0];
        var index = 0;
        while (true)
        {
            var child = (index << 1) + 1;
            if (child >= heap.Length)
                break;
            if (child + 1 < heap.Length && heap[child + 1] > heap[child])
                child++;
            if (heap[child] <= item)
                break;
            heap[index] = heap[child];
            index = child;
        }

        heap[index] = item;
    }

    private void CheckLength(ReadOnlySpan<float> logits)
    {
        if (logits.Length != _vocabularySize)
            throw new ArgumentException(
                $"Expected {_vocabularySize} logits (the vocabulary size this sampler was created for) but got {logits.Length}.",
                nameof(logits));
    }

    private static InvalidOperationException NoCandidates(int length) =>
        new($"Cannot choose a token: all {length} logits are NaN or negative infinity.");
}
