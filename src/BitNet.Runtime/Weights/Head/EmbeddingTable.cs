using System.Runtime.InteropServices;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Quantized;

namespace BitNet.Runtime.Weights.Head;

/// <summary>
/// One storage format of a [dimension, vocabulary] table used as token embedding and LM head: its memory, its row
/// lookup (dequantization) and its head kernel. <see cref="TokenEmbedding"/> chooses the format by tensor type.
/// </summary>
/// <remarks>A table the head reads is copied out of the mapped file into huge-page memory (why: see
/// <see cref="Memory.LargePages"/>; the head reads every byte of it per token) and the file's pages are dropped. A
/// lookup-only table (<see cref="UseInPlace"/>) reads its rows from the mapping instead.</remarks>
internal abstract unsafe class EmbeddingTable : IDisposable
{
    // Copied (and checked) in pieces of whole rows, so a bad block is reported before the next piece is touched.
    private const long CopyChunkBytes = 64L << 20;

    private void* _buffer;
    private bool _owned;

    protected EmbeddingTable(GgufTensorInfo tensor, long byteCount)
        : this(tensor, tensor.Type, byteCount)
    {
    }

    /// <param name="tensor">The file's tensor.</param>
    /// <param name="type">The type held in memory (differs from the file's when re-encoded at load).</param>
    /// <param name="byteCount">Bytes of the table in memory.</param>
    protected EmbeddingTable(GgufTensorInfo tensor, GgufTensorType type, long byteCount)
    {
        Dimension = checked((int)tensor.RowLength);
        VocabularySize = checked((int)tensor.RowCount);
        Type = type;
        ByteCount = byteCount;
    }

    /// <summary>Frees the table if <see cref="Dispose"/> was not called.</summary>
    ~EmbeddingTable() => Free();

    /// <summary>Elements per row.</summary>
    public int Dimension { get; }

    /// <summary>Rows.</summary>
    public int VocabularySize { get; }

    /// <summary>The storage type of the rows this table reads (the file's, unless re-encoded at load).</summary>
    public GgufTensorType Type { get; }

    /// <summary>Bytes of the table: what the head streams per token.</summary>
    public long ByteCount { get; }

    /// <summary>Bytes held in the runtime's own memory: <see cref="ByteCount"/>, or 0 when read in place from the file.</summary>
    public long HeldBytes => _owned ? ByteCount : 0;

    /// <summary>The start of the table (valid after <see cref="Allocate"/>).</summary>
    protected byte* Data => (byte*)_buffer;

    /// <summary>The head kernel path chosen for this CPU when none is forced.</summary>
    public abstract KernelPath DefaultPath { get; }

    /// <summary>Whether this CPU can run the head with <paramref name="path"/> (never <see cref="KernelPath.Auto"/>).</summary>
    public abstract bool Supports(KernelPath path);

    /// <summary>Writes row <paramref name="token"/> as floats (arguments already checked).</summary>
    public abstract void CopyRow(int token, Span<float> destination);

    /// <summary>Quantizes the head input once per token when the kernel needs it (no-op for float tables).</summary>
    public abstract void PrepareInput(float* x, HeadActivations quantized);

    /// <summary>logits[v] = row(v) · x for v in [<paramref name="start"/>, <paramref name="end"/>), one row at a time.</summary>
    public abstract void Logits(float* x, HeadActivations quantized, float* logits, int start, int end, KernelPath path);

    /// <summary>Frees the table.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    /// <summary>Allocates <see cref="ByteCount"/> bytes on huge pages.</summary>
    protected void Allocate()
    {
        _buffer = Memory.LargePages.Allocate(ByteCount);
        _owned = true;
        GC.AddMemoryPressure(ByteCount);
    }

    /// <summary>Reads the rows where the mapped file stores them (valid while the file is open); nothing is held.</summary>
    protected void UseInPlace(GgufFile file, GgufTensorInfo tensor)
    {
        if (tensor.ByteSize != ByteCount)
            throw new GgufFormatException(tensor.Name, tensor.DataOffset, $"{VocabularySize} rows of {Dimension} {Type} values take {ByteCount} bytes; the tensor has {tensor.ByteSize}.", file.SourceName);
        _buffer = file.GetTensorPointer(tensor);
    }

    /// <summary>
    /// Copies the tensor's bytes as stored (<see cref="ByteCount"/> bytes, <paramref name="rowBytes"/> per row) into the
    /// table, checking each piece with <paramref name="findInvalidRow"/> (the first bad row of a piece, or −1), then
    /// drops the file's pages.
    /// </summary>
    /// <exception cref="GgufFormatException">A row is invalid (the message names it and <paramref name="problem"/>).</exception>
    protected void CopyRowsChecked(GgufFile file, GgufTensorInfo tensor, long rowBytes, Func<nint, int, int> findInvalidRow, string problem)
    {
        if (tensor.ByteSize != ByteCount || ByteCount != rowBytes * VocabularySize)
            throw new GgufFormatException(tensor.Name, tensor.DataOffset,
                $"{Type} rows of {Dimension} take {rowBytes} bytes, so {VocabularySize} rows take {rowBytes * VocabularySize}; the tensor has {tensor.ByteSize}.", file.SourceName);
        var source = file.GetTensorPointer(tensor);
        var rowsPerChunk = (int)Math.Max(1, CopyChunkBytes / rowBytes);
        for (var row = 0; row < VocabularySize; row += rowsPerChunk)
        {
            var rows = Math.Min(rowsPerChunk, VocabularySize - row);
            var at = row * rowBytes;
            var n = rows * rowBytes;
            Buffer.MemoryCopy(source + at, Data + at, n, n);
            var bad = findInvalidRow((nint)(Data + at), rows);
            if (bad >= 0)
                throw new GgufFormatException(tensor.Name, tensor.DataOffset + at + bad * rowBytes, $"row {row + bad}: {problem}", file.SourceName);
        }
        file.DropTensorPages(tensor);
    }

    private void Free()
    {
        var p = _buffer;
        _buffer = null;
        if (p != null && _owned)
        {
            NativeMemory.AlignedFree(p);
            GC.RemoveMemoryPressure(ByteCount);
        }
    }
}
