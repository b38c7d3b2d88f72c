namespace BitNet.Runtime.Sampling;

/// <summary>
/// Finds stop strings in streamed text, where a stop string may be split across any number of decoded chunks.
/// Not thread-safe; use one per generation.
/// </summary>
/// <remarks>
/// <para>
/// Text is released only once it can no longer be part of a stop string: after each chunk the matcher holds back the
/// longest suffix of the text seen so far that is a proper prefix of some stop string. Matching is ordinal
/// (char by char). The concatenation of everything <see cref="Append"/> and <see cref="Flush"/> return equals the
/// full text cut just before the earliest occurrence of any stop string, or the full text if none occurs.
/// </para>
/// <para>
/// "Earliest" is decided the way a stream sees it: the stop string that <em>completes</em> first wins, and among
/// stop strings completing at the same char the one that starts earliest (the longest). This equals the earliest
/// occurrence except when one stop string lies strictly inside another (e.g. <c>"bc"</c> inside <c>"abcd"</c>): the
/// inner one always completes first, generation ends there, and the outer one can never match.
/// </para>
/// <para>
/// A chunk that ends in the first half of a UTF-16 surrogate pair also has that char held back until the next chunk,
/// so released text never ends in half a character.
/// </para>
/// </remarks>
public sealed class StopSequenceMatcher
{
    private readonly string[] _stops;
    private readonly int _maxStopLength;

    // The held-back text followed by the newest chunk; only the held-back part survives an Append.
    private char[] _buffer;
    private int _length;
    private bool _stopped;

    /// <summary>Creates a matcher.</summary>
    /// <param name="stopSequences">The stop strings. Null or empty entries are ignored; a null list means none.</param>
    public StopSequenceMatcher(IReadOnlyList<string>? stopSequences)
    {
        var stops = new List<string>();
        if (stopSequences is not null)
        {
            foreach (var s in stopSequences)
            {
                if (!string.IsNullOrEmpty(s))
                {
                    stops.Add(s);
                    _maxStopLength = Math.Max(_maxStopLength, s.Length);
                }
            }
        }

        _stops = [.. stops];
        _buffer = new char[Math.Max(16, 2 * _maxStopLength)];
    }

    /// <summary>Whether there are no stop strings (text then passes straight through).</summary>
    public bool IsEmpty => _stops.Length == 0;

    /// <summary>Whether a stop string has been found; later <see cref="Append"/> calls return nothing until <see cref="Reset"/>.</summary>
    public bool IsStopped => _stopped;

    /// <summary>Feeds newly decoded text.</summary>
    /// <param name="text">The next chunk of decoded text.</param>
    /// <param name="stopped">
    /// Set when a stop string completes in this chunk (or one already has): generation should end.
    /// </param>
    /// <returns>
    /// The text that is now safe to emit: never any part of a stop string, and never text that could still turn out
    /// to begin one. When <paramref name="stopped"/> becomes true this is everything before the stop string; the stop
    /// string and anything after it are discarded.
    /// </returns>
    public string Append(string text, out bool stopped)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_stopped)
        {
            stopped = true;
            return string.Empty;
        }

        stopped = false;
        if (IsEmpty && _length == 0 && !EndsWithHighSurrogate(text))
            return text; // nothing to match or hold: pass through without copying

        EnsureCapacity(_length + text.Length);
        text.CopyTo(0, _buffer, _length, text.Length);
        _length += text.Length;
        var pending = _buffer.AsSpan(0, _length);

        // A stop can only start inside the held-back part or the new chunk, both of which are in 'pending'.
        // Generation ends where the first stop string completes, so pick the smallest end; among stops ending there,
        // the earliest start.
        var stopAt = -1;
        var stopEnd = int.MaxValue;
        foreach (var stop in _stops)
        {
            var index = pending.IndexOf(stop.AsSpan());
            if (index < 0)
                continue;
            var end = index + stop.Length;
            if (end < stopEnd || (end == stopEnd && index < stopAt))
            {
                stopAt = index;
                stopEnd = end;
            }
        }

        if (stopAt >= 0)
        {
            stopped = _stopped = true;
            _length = 0;
            return stopAt == 0 ? string.Empty : new string(pending[..stopAt]);
        }

        var hold = HoldBackLength(pending);
        var emit = _length - hold;
        if (emit == 0)
            return string.Empty;

        var result = new string(pending[..emit]);
        pending[emit..].CopyTo(_buffer);
        _length = hold;
        return result;
    }

    /// <summary>Ends generation without a stop: releases and returns the held-back text.</summary>
    /// <returns>The held-back text, or an empty string if there is none or a stop string was found.</returns>
    public string Flush()
    {
        if (_length == 0)
            return string.Empty;
        var result = new string(_buffer, 0, _length);
        _length = 0;
        return result;
    }

    /// <summary>Forgets all held-back text and the stopped state, ready for a new generation.</summary>
    public void Reset()
    {
        _length = 0;
        _stopped = false;
    }

    /// <summary>The longest suffix of <paramref name="pending"/> that could still begin a stop string.</summary>
    private int HoldBackLength(ReadOnlySpan<char> pending)
    {
        // Checked from the longest candidate down, so the first hit is the answer. A full match was ruled out already.
        for (var k = Math.Min(pending.Length, _maxStopLength - 1); k > 0; k--)
        {
            var suffix = pending[^k..];
            foreach (var stop in _stops)
            {
                if (stop.Length > k && stop.AsSpan().StartsWith(suffix))
                    return k;
            }
        }

        // Never release half of a surrogate pair.
        return EndsWithHighSurrogate(pending) ? 1 : 0;
    }

    private static bool EndsWithHighSurrogate(ReadOnlySpan<char> text) =>
        text.Length > 0 && char.IsHighSurrogate(text[^1]);

    private void EnsureCapacity(int needed)
    {
        if (needed <= _buffer.Length)
            return;
        var grown = new char[Math.Max(needed, 2 * _buffer.Length)];
        _buffer.AsSpan(0, _length).CopyTo(grown);
        _buffer = grown;
    }
}
