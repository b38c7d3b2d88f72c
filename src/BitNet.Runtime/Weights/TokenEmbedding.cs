using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Kernels.Float16;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BitNet.Runtime.Weights.Float;

namespace BitNet.Runtime.Weights;

/// <summary>
/// The token embedding, which BitNet b1.58 also uses as its LM head (tied). The table is copied out of the mapped file
/// into native memory on transparent huge pages (F16 and F32 as stored, BF16 widened to F32), and the file's pages are
/// then dropped from the resident set, so the process holds it once.
/// </summary>
/// <remarks>
/// The LM head reads the whole table for every generated token (657 MB on 2B4T). Read in place from the 4 KiB pages
/// of the mapping it took 180–800 ms per pass on a loaded 2-core KVM guest, against 29–35 ms from huge pages; see
/// <see cref="Memory.LargePages"/>. The copy costs a fraction of a second at load.
/// </remarks>
public sealed unsafe class TokenEmbedding : IDisposable
{
    // Copied (and checked) in pieces, dropping each piece's file pages right after, so the copy never doubles the
    // resident set.
    private const long CopyChunkBytes = 64L << 20;

    private readonly ushort* _half;
    private readonly float* _single;
    private void* _buffer;

    /// <summary>Copies <paramref name="tensor"/> ([embedding, vocabulary]) out of <paramref name="file"/>.</summary>
    /// <exception cref="GgufFormatException">The table holds NaN or infinite values.</exception>
    /// <exception cref="NotSupportedException">The tensor is not F16, F32 or BF16.</exception>
    public TokenEmbedding(GgufFile file, GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tensor);
        Dimension = checked((int)tensor.RowLength);
        VocabularySize = checked((int)tensor.RowCount);
        Type = tensor.Type;
        if (tensor.Type is not (GgufTensorType.F16 or GgufTensorType.F32 or GgufTensorType.BF16))
            throw new NotSupportedException($"The token embedding '{tensor.Name}' is {tensor.Type}; supported: F16, F32, BF16.");

        var elements = tensor.ElementCount;
        ByteCount = elements * (tensor.Type == GgufTensorType.F16 ? 2 : 4);
        _buffer = Memory.LargePages.Allocate(ByteCount);
        GC.AddMemoryPressure(ByteCount);
        try
        {
            var source = file.GetTensorPointer(tensor);
            if (tensor.Type == GgufTensorType.BF16)
            {
                _single = (float*)_buffer;
                FloatTensorReader.Read(file, tensor, new Span<float>(_single, checked((int)elements)));
            }
            else
            {
                var finite = true;
                for (long at = 0; at < ByteCount; at += CopyChunkBytes)
                {
                    var n = Math.Min(CopyChunkBytes, ByteCount - at);
                    var destination = (byte*)_buffer + at;
                    Buffer.MemoryCopy(source + at, destination, n, n);
                    // The vector F16 widening is exact for finite halves only; a NaN/Inf weight is a corrupt model anyway.
                    finite &= tensor.Type == GgufTensorType.F16
                        ? !HasNonFiniteHalf(new ReadOnlySpan<ushort>(destination, (int)(n / 2)))
                        : AllFinite(new ReadOnlySpan<float>(destination, (int)(n / 4)));
                }
                if (!finite)
                    throw new GgufFormatException(tensor.Name, tensor.DataOffset, "the embedding contains NaN or infinite values.", file.SourceName);
                if (tensor.Type == GgufTensorType.F16) _half = (ushort*)_buffer;
                else _single = (float*)_buffer;
            }
            file.DropTensorPages(tensor);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Frees the table if <see cref="Dispose"/> was not called.</summary>
    ~TokenEmbedding() => Free();

    /// <summary>Elements per token vector.</summary>
    public int Dimension { get; }

    /// <summary>Rows (tokens).</summary>
    public int VocabularySize { get; }

    /// <summary>The storage type in the file.</summary>
    public GgufTensorType Type { get; }

    /// <summary>Bytes the table occupies: what the LM head reads per token.</summary>
    public long ByteCount { get; }

    /// <summary>Bytes the table holds in the runtime's own memory (all of it: it is copied out of the file).</summary>
    public long HeldBytes => ByteCount;

    /// <summary>Frees the table; the embedding must not be used afterwards.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        var p = _buffer;
        _buffer = null;
        if (p != null)
        {
            NativeMemory.AlignedFree(p);
            GC.RemoveMemoryPressure(ByteCount);
        }
    }

    /// <summary>Copies the embedding of <paramref name="token"/> into <paramref name="destination"/>.</summary>
    public void CopyRow(int token, Span<float> destination)
    {
        if ((uint)token >= (uint)VocabularySize) throw new ArgumentOutOfRangeException(nameof(token));
        if (destination.Length != Dimension) throw new ArgumentException($"Expected {Dimension} floats.", nameof(destination));
        if (_half != null)
            TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(_half + (long)token * Dimension, Dimension), destination);
        else
            new ReadOnlySpan<float>(_single + (long)token * Dimension, Dimension).CopyTo(destination);
    }

    /// <summary>logits[v] = row(v) · x for v in [<paramref name="start"/>, <paramref name="end"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Logits(float* x, float* logits, int start, int end)
    {
        if (_half != null)
        {
            for (var v = start; v < end; v++) logits[v] = HalfDot.Dot(_half + (long)v * Dimension, x, Dimension);
        }
        else
        {
            var input = new ReadOnlySpan<float>(x, Dimension);
            for (var v = start; v < end; v++) logits[v] = TensorPrimitives.Dot(new ReadOnlySpan<float>(_single + (long)v * Dimension, Dimension), input);
        }
    }

    private static bool HasNonFiniteHalf(ReadOnlySpan<ushort> bits)
    {
        // Exponent all ones (0x7C00) means Inf or NaN.
        var exponent = Vector128.Create((ushort)0x7C00);
        var i = 0;
        for (; i + 8 <= bits.Length; i += 8)
            if (Vector128.EqualsAny(Vector128.Create(bits.Slice(i, 8)) & exponent, exponent)) return true;
        for (; i < bits.Length; i++)
            if ((bits[i] & 0x7C00) == 0x7C00) return true;
        return false;
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }
}
