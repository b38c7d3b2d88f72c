using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace BitNet.Runtime.Gguf;

/// <summary>
/// A read-only block of bytes addressed by pointer: a memory-mapped file, or a pinned array for in-memory models.
/// Weights are decoded or copied from here at load, after which their pages are dropped from the resident set (<see cref="DropPages"/>).
/// </summary>
internal abstract unsafe class MappedMemory : IDisposable
{
    public byte* Pointer { get; protected set; }

    public long Length { get; protected set; }

    public abstract void Dispose();

    /// <summary>
    /// Drops the pages of [<paramref name="offset"/>, +<paramref name="length"/>) from the process's resident set when the
    /// bytes are a file mapping (their contents stay readable; a later read faults them back in). No-op for arrays.
    /// </summary>
    public virtual void DropPages(long offset, long length)
    {
    }

    public static MappedMemory MapFile(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        try
        {
            return new MappedFile(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public static MappedMemory Pin(byte[] bytes) => new PinnedArray(bytes);

    private sealed class MappedFile : MappedMemory
    {
        private readonly MemoryMappedFile? _file;
        private readonly MemoryMappedViewAccessor? _view;
        private int _disposed;

        public MappedFile(FileStream stream)
        {
            Length = stream.Length;
            if (Length == 0)
            {
                // An empty file cannot be mapped; the parser reports it as truncated.
                stream.Dispose();
                return;
            }

            _file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            Pointer = p + _view.PointerOffset;
        }

        public override void DropPages(long offset, long length)
        {
            if (Pointer == null || offset < 0 || length <= 0 || offset > Length - length) return;
            Memory.LargePages.DropMappedPages(Pointer + offset, length);
        }

        public override void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            if (_view is not null)
            {
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _view.Dispose();
            }
            _file?.Dispose();
            Pointer = null;
        }
    }

    private sealed class PinnedArray : MappedMemory
    {
        private GCHandle _handle;

        public PinnedArray(byte[] bytes)
        {
            _handle = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            Pointer = (byte*)_handle.AddrOfPinnedObject();
            Length = bytes.Length;
        }

        public override void Dispose()
        {
            if (_handle.IsAllocated) _handle.Free();
            Pointer = null;
        }
    }
}
