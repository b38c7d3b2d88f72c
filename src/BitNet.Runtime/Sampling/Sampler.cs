using System.Numerics;
using System.Numerics.Tensors;

namespace BitNet.Runtime.Sampling;

/// <summary>
/// Chooses the next token from a vector of logits according to <see cref="SamplingOptions"/>. Use one sampler per
/// sequence: it owns that sequence's random number generator and its scratch buffers.
/// </summary>
/// <remarks>
/// <para><b>Greedy</b> (<see cref="SamplingOptions.Temperature"/> 0): the token with the largest logit; ties go to the
/// lowest token id, NaN logits are never chosen, and every other option is ignored.</para>
/// <para><b>Sampling</b> (temperature &gt; 0) builds a candidate set in this order:</para>
/// <list type="number">
/// <item>Candidates are all tokens whose logit is neither NaN nor -∞ (those have probability 0).</item>
/// <item><b>Top-k</b> (<see cref="SamplingOptions.TopK"/> &gt; 0): keep the K candidates with the largest logits; ties at
/// the boundary go to the lower token id. Partial selection with a K-element heap, O(V log K), no full sort.</item>
/// <item><b>Temperature and softmax</b>, in single precision with the maximum subtracted:
/// wᵢ = exp((ℓᵢ − ℓₘₐₓ) / T) and pᵢ = wᵢ / Σw over the remaining candidates. If some logits are +∞ they share all
/// the probability equally.</item>
/// <item><b>Min-p</b> (<see cref="SamplingOptions.MinP"/> &gt; 0): keep candidates with pᵢ ≥ MinP · pₘₐₓ (evaluated as
/// wᵢ ≥ MinP · wₘₐₓ, where the normalisation cancels). The most probable token always survives.</item>
/// <item><b>Top-p</b> (<see cref="SamplingOptions.TopP"/> &lt; 1): order the remaining candidates by descending
/// probability (ties: lower token id first) and keep the shortest prefix whose cumulative probability, renormalised
/// over the candidates that survived the previous steps, is ≥ TopP. At least one token is always kept.</item>
/// <item>Renormalise over what is left and draw one token with the sampler's own xoshiro256** generator.</item>
/// </list>
/// <para>
/// Each non-greedy <see cref="Sample"/> call consumes exactly one 64-bit random value, so a seed and a sequence of
/// logits always give the same tokens. The generator's stream is fixed by its algorithm (the same on every platform
/// and .NET version); the softmax uses vectorised <c>exp</c>, whose last-bit results could in principle differ between
/// CPUs, which would change a draw only when it falls within rounding distance of a bucket boundary.
/// </para>
/// <para>
/// Not thread-safe. After construction <see cref="Sample"/> allocates nothing: all scratch space (at most 16 bytes per
/// vocabulary entry) is allocated up front.
/// </para>
/// </remarks>
public sealed class Sampler
{
    // Top-p first orders only this many of the most probable candidates, widening by 16x if their mass falls short;
    // typical nucleus sets are far smaller than the vocabulary, so a full sort is rarely needed.
    private const int InitialTopPWindow = 256;
    private const int TopPWindowGrowth = 16;

    private readonly int _vocabularySize;
    private readonly float _temperature;
    private readonly int _topK;
    private readonly float _topP;
    private readonly float _minP;

    // Candidates, always in ascending token-id order: ids and, in place, logits then unnormalised probabilities.
    private readonly int[] _ids;
    private readonly float[] _weights;

    // Sort keys (see Key) for the top-k heap and the top-p ordering; allocated only when one of them is enabled.
    private readonly ulong[] _keys;

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

        if (options.IsGreedy)
        {
            // Greedy needs no scratch space.
            _ids = [];
            _weights = [];
            _keys = [];
        }
        else
        {
            _ids = new int[vocabularySize];
            _weights = new float[vocabularySize];
            _keys = _topK > 0 || _topP < 1f ? new ulong[vocabularySize] : [];
        }

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
        if (_temperature == 0f)
            return ArgMax(logits);

        var count = Filter(logits);
        return Draw(count);
    }

    /// <summary>Re-seeds the random number generator.</summary>
    /// <param name="seed">
    /// The new seed. When <see langword="null"/>, <see cref="SamplingOptions.Seed"/> is used (so a seeded sampler
    /// restarts its sequence), or a fresh random seed when that is null too.
    /// </param>
    public void Reset(ulong? seed = null) =>
        _rng = new Xoshiro256StarStar(seed ?? Options.Seed ?? Xoshiro256StarStar.RandomSeed());

    /// <summary>
    /// The distribution <see cref="Sample"/> draws from for these logits: the kept tokens in ascending id order with
    /// their renormalised probabilities. Allocates; for tests and diagnostics only. Does not touch the generator.
    /// </summary>
    internal (int TokenId, double Probability)[] GetFilteredDistribution(ReadOnlySpan<float> logits)
    {
        CheckLength(logits);
        if (_temperature == 0f)
            return [(ArgMax(logits), 1.0)];

        var count = Filter(logits);
        var total = 0.0;
        for (var j = 0; j < count; j++)
            total += _weights[j];
        var result = new (int, double)[count];
        for (var j = 0; j < count; j++)
            result[j] = (_ids[j], _weights[j] / total);
        return result;
    }

    /// <summary>The next raw value of the generator (for tests of the stream).</summary>
    internal ulong NextRandom() => _rng.NextUInt64();

    /// <summary>Index of the largest logit, ignoring NaN; ties go to the lowest index.</summary>
    internal static int ArgMax(ReadOnlySpan<float> logits)
    {
        // The vectorised maximum propagates NaN; only then fall back to a NaN-skipping scan.
        var max = TensorPrimitives.Max(logits);
        if (float.IsNaN(max))
        {
            max = float.NegativeInfinity;
            foreach (var v in logits)
            {
                if (v > max)
                    max = v;
            }
        }

        if (max == float.NegativeInfinity)
            throw NoCandidates(logits.Length);

        // '==' also equates -0 and +0, so signed-zero ties go to the lowest index too.
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] == max)
                return i;
        }

        throw new InvalidOperationException("Unreachable: the maximum logit was not found.");
    }

    /// <summary>Runs top-k, softmax, min-p and top-p; leaves the kept candidates in _ids/_weights and returns their count.</summary>
    private int Filter(ReadOnlySpan<float> logits)
    {
        float max;
        var count = _topK > 0 ? CollectTopK(logits, out max) : CollectAll(logits, out max);
        if (count == 0)
            throw NoCandidates(logits.Length);

        var w = _weights.AsSpan(0, count);
        if (float.IsPositiveInfinity(max))
        {
            // exp(+inf - +inf) is NaN; in the limit the +inf logits take all the mass, equally.
            for (var j = 0; j < w.Length; j++)
                w[j] = float.IsPositiveInfinity(w[j]) ? 1f : 0f;
        }
        else
        {
            TensorPrimitives.Subtract(w, max, w);
            if (_temperature != 1f)
                TensorPrimitives.Divide(w, _temperature, w);
            TensorPrimitives.Exp(w, w);
        }

        if (_minP > 0f)
            count = ApplyMinP(count);
        if (_topP < 1f && count > 1)
            count = ApplyTopP(count);
        return count;
    }

    /// <summary>Every token whose logit is neither NaN nor -inf.</summary>
    private int CollectAll(ReadOnlySpan<float> logits, out float max)
    {
        var ids = _ids;
        var weights = _weights;
        var count = 0;
        var m = float.NegativeInfinity;
        for (var i = 0; i < logits.Length; i++)
        {
            var v = logits[i];
            if (v > float.NegativeInfinity) // false for NaN and -inf
            {
                ids[count] = i;
                weights[count] = v;
                count++;
                if (v > m)
                    m = v;
            }
        }

        max = m;
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

    /// <summary>Keeps candidates with w ≥ MinP · w_max, preserving order.</summary>
    private int ApplyMinP(int count)
    {
        var w = _weights.AsSpan(0, count);
        var threshold = _minP * TensorPrimitives.Max(w);
        var kept = 0;
        for (var j = 0; j < w.Length; j++)
        {
            if (w[j] >= threshold)
            {
                _ids[kept] = _ids[j];
                w[kept] = w[j];
                kept++;
            }
        }

        return kept;
    }

    /// <summary>Keeps the shortest most-probable prefix with cumulative probability ≥ TopP, preserving id order.</summary>
    private int ApplyTopP(int count)
    {
        var w = _weights.AsSpan(0, count);
        var total = 0.0;
        for (var j = 0; j < w.Length; j++)
            total += w[j];
        var target = _topP * total;

        var window = Math.Min(count, InitialTopPWindow);
        while (true)
        {
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
                    return KeepPositions(order[..(j + 1)]);
            }

            if (window == count)
                return count; // only reachable through rounding: keep everything
            window = window <= count / TopPWindowGrowth ? window * TopPWindowGrowth : count;
        }
    }

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
            _ids[j] = _ids[p];
            _weights[j] = _weights[p];
        }

        return keys.Length;
    }

    /// <summary>Draws one candidate with probability proportional to its weight.</summary>
    private int Draw(int count)
    {
        var w = _weights.AsSpan(0, count);
        var total = 0.0;
        for (var j = 0; j < w.Length; j++)
            total += w[j];

        var u = _rng.NextDouble() * total;
        var cumulative = 0.0;
        var last = 0;
        for (var j = 0; j < w.Length; j++)
        {
            var x = w[j];
            if (x > 0f) // zero-weight candidates can never be drawn
            {
                cumulative += x;
                last = j;
                if (u < cumulative)
                    return _ids[j];
            }
        }

        return _ids[last]; // u rounded up to the total: the last token with weight
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
