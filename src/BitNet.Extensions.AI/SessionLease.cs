using BitNet.Runtime.Model;

namespace BitNet.Extensions.AI;

/// <summary>
/// One request's exclusive use of an <see cref="InferenceSession"/> rented from a <see cref="BitNetRuntime"/>.
/// Disposing it (once is enough; later calls do nothing) returns the session, cache and all, to the pool and frees the
/// request slot.
/// </summary>
internal sealed class SessionLease : IDisposable
{
    private BitNetRuntime? _runtime;

    public SessionLease(BitNetRuntime runtime, InferenceSession session)
    {
        _runtime = runtime;
        Session = session;
    }

    /// <summary>The rented session; it may hold an earlier request's tokens, which are a cache to reuse or rewind.</summary>
    public InferenceSession Session { get; }

    /// <summary>Returns the session to the runtime.</summary>
    public void Dispose() => Interlocked.Exchange(ref _runtime, null)?.Return(Session);
}
