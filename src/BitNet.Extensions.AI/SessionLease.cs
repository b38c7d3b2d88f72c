using BitNet.Runtime.Model;

namespace BitNet.Extensions.AI;

/// <summary>
/// One request's exclusive use of an <see cref="InferenceSession"/> rented from a <see cref="BitNetRuntime"/>.
/// Disposing it (once is enough; later calls do nothing) rewinds the session, returns it to the pool and frees the
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

    /// <summary>The rented session, empty (position 0) when rented.</summary>
    public InferenceSession Session { get; }

    /// <summary>Returns the session to the runtime.</summary>
    public void Dispose() => Interlocked.Exchange(ref _runtime, null)?.Return(Session);
}
