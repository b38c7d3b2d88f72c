using System.Runtime.InteropServices;

namespace BitNet.Runtime.Memory;

/// <summary>
/// One native block, 2 MiB aligned and on transparent huge pages where the OS allows (<see cref="LargePages"/>), that
/// holds every packed ternary matrix of a model back to back, in forward-pass order.
/// </summary>
/// <remarks>Blocks are handed out in order (<see cref="TryAllocate"/>) and never returned one by one. Matrices placed here
/// keep a reference to the arena, so it is freed by <see cref="Dispose"/> or, when nothing references it any more, by
/// the finalizer.</remarks>
internal sealed unsafe class WeightArena : IDisposable
{
    private byte* _pointer;
    private long _used;

    public WeightArena(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        Length = bytes;
        _pointer = (byte*)LargePages.Allocate(bytes);
        GC.AddMemoryPressure(bytes);
    }

    ~WeightArena() => Free();

    /// <summary>Bytes in the block.</summary>
    public long Length { get; }

    /// <summary>The start of the block.</summary>
    public byte* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(WeightArena));

    /// <summary>Bytes handed out so far.</summary>
    public long Used => _used;

    /// <summary>Takes the next <paramref name="bytes"/> (64-byte aligned); false when they do not fit.</summary>
    public bool TryAllocate(long bytes, out byte* block)
    {
        var start = (_used + 63) & ~63L;
        if (_pointer == null || bytes < 0 || start > Length - bytes)
        {
            block = null;
            return false;
        }
        block = _pointer + start;
        _used = start + bytes;
        return true;
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        var p = _pointer;
        _pointer = null;
        if (p != null)
        {
            NativeMemory.AlignedFree(p);
            GC.RemoveMemoryPressure(Length);
        }
    }
}
