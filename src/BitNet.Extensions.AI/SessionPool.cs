using BitNet.Runtime;
using BitNet.Runtime.Model;

namespace BitNet.Extensions.AI;

/// <summary>
/// The idle inference sessions of a <see cref="BitNetRuntime"/>. A returned session keeps its KV cache and token history,
/// so that a later request that shares a prefix with it (the next turn of a conversation, or the same prompt again)
/// evaluates only the rest. Idle sessions are kept in least-recently-used order and evicted (disposed) beyond a memory
/// bound.
/// </summary>
/// <remarks>
/// Thread-safe. A rented session is out of the pool until it is returned, so two requests never use one session at the
/// same time; the runtime's slot semaphore bounds how many are rented.
/// </remarks>
internal sealed class SessionPool : IDisposable
{
    private readonly BitNetModel _model;
    private readonly long? _maxRetainedBytes;
    private readonly int _maxIdleSessions;
    private readonly bool _reusePrefixes;
    // Most recently returned first.
    private readonly LinkedList<InferenceSession> _idle = new();
    private readonly Lock _lock = new();
    private long _idleBytes;

    /// <param name="model">Creates the sessions.</param>
    /// <param name="maxRetainedBytes">
    /// The most KV-cache bytes idle sessions may hold; null: at most <paramref name="maxIdleSessions"/> idle sessions.
    /// </param>
    /// <param name="maxIdleSessions">The idle-session bound when <paramref name="maxRetainedBytes"/> is null.</param>
    /// <param name="reusePrefixes">False: every rented session starts empty (the cache is never reused).</param>
    public SessionPool(BitNetModel model, long? maxRetainedBytes, int maxIdleSessions, bool reusePrefixes)
    {
        _model = model;
        _maxRetainedBytes = maxRetainedBytes;
        _maxIdleSessions = maxIdleSessions;
        _reusePrefixes = reusePrefixes;
    }

    /// <summary>Idle sessions held now.</summary>
    public int IdleCount
    {
        get { lock (_lock) return _idle.Count; }
    }

    /// <summary>KV-cache bytes the idle sessions hold now (each session's whole context is allocated).</summary>
    public long RetainedBytes
    {
        get { lock (_lock) return _idleBytes; }
    }

    /// <summary>
    /// Takes the idle session that holds the longest prefix of <paramref name="prompt"/>; on a tie (for instance when
    /// sessions share only the beginning-of-sequence token) the least recently used one, so that the caches of recent
    /// conversations survive longest. Creates a session when none is idle, or when none shares more than that first token
    /// and the byte budget can retain every idle session and one more.
    /// </summary>
    /// <returns>The session, with its history intact (the caller reuses or rewinds it).</returns>
    public InferenceSession Rent(ReadOnlySpan<int> prompt)
    {
        lock (_lock)
        {
            LinkedListNode<InferenceSession>? best = _idle.Last;
            var bestLength = 0;
            if (_reusePrefixes)
            {
                // Most recent first, so that ">=" leaves the least recently used of the longest matches.
                for (var node = _idle.First; node is not null; node = node.Next)
                {
                    var length = node.Value.CommonPrefixLength(prompt);
                    if (length >= bestLength) (best, bestLength) = (node, length);
                }
            }

            // With a byte budget that can keep one more conversation, a prompt that shares at most the
            // beginning-of-sequence token gets a new session rather than overwriting another conversation's cache.
            if (best is not null && bestLength <= 1 && _maxRetainedBytes is { } limit && _idleBytes + best.Value.KvCacheBytes <= limit)
                best = null;

            if (best is not null)
            {
                _idle.Remove(best);
                _idleBytes -= best.Value.KvCacheBytes;
                if (bestLength == 0) best.Value.Rewind();
                return best.Value;
            }
        }

        return _model.CreateSession();
    }

    /// <summary>Puts a session back as the most recently used one, then evicts the least recently used beyond the bound.</summary>
    public void Return(InferenceSession session)
    {
        if (!_reusePrefixes) session.Rewind();
        List<InferenceSession>? evicted = null;
        lock (_lock)
        {
            _idle.AddFirst(session);
            _idleBytes += session.KvCacheBytes;
            while (_idle.Count > 0 && (_maxRetainedBytes is { } limit ? _idleBytes > limit : _idle.Count > _maxIdleSessions))
            {
                var last = _idle.Last!.Value;
                _idle.RemoveLast();
                _idleBytes -= last.KvCacheBytes;
                (evicted ??= []).Add(last);
            }
        }

        // Outside the lock: disposal frees native buffers.
        if (evicted is not null)
            foreach (var old in evicted) old.Dispose();
    }

    /// <summary>Disposes every idle session. Call only when no session is rented.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var session in _idle) session.Dispose();
            _idle.Clear();
            _idleBytes = 0;
        }
    }
}
