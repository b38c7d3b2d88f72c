using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Kernels.Float16;
using System.Runtime.CompilerServices;
using BitNet.Runtime.Weights.Float;

namespace BitNet.Runtime.Weights;

/// <summary>
/// The token embedding, which BitNet b1.58 also uses as its LM head (tied). F16 and F32 tables are read in place from
/// the memory-mapped file — on 2B4T that is 657 MB the engine never copies; BF16 tables are widened to F32 at load.
/// </summary>
public sealed unsafe class TokenEmbedding
{
    private readonly GgufFile _file;   // keeps the mapping the pointers below address
    private readonly ushort* _half;
    private readonly float* _single;
    private readonly float[]? _widened;

    /// <summary>Maps <paramref name="tensor"/> ([embedding, vocabulary]).</summary>
    public TokenEmbedding(GgufFile file, GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tensor);
        _file = file;
        Dimension = checked((int)tensor.RowLength);
        VocabularySize = checked((int)tensor.RowCount);
        Type = tensor.Type;
        switch (tensor.Type)
        {
            case GgufTensorType.F16:
                _half = (ushort*)file.GetTensorPointer(tensor);
                CheckFinite(file, tensor);
                break;
            case GgufTensorType.F32:
                _single = (float*)file.GetTensorPointer(tensor);
                CheckFinite(file, tensor);
                break;
            case GgufTensorType.BF16:
                _widened = GC.AllocateArray<float>(checked((int)tensor.ElementCount), pinned: true);
                FloatTensorReader.Read(file, tensor, _widened);
                _single = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_widened));
                break;
            default:
                throw new NotSupportedException($"The token embedding '{tensor.Name}' is {tensor.Type}; supported: F16, F32, BF16.");
        }
    }

    /// <summary>Elements per token vector.</summary>
    public int Dimension { get; }

    /// <summary>Rows (tokens).</summary>
    public int VocabularySize { get; }

    /// <summary>The storage type in the file.</summary>
    public GgufTensorType Type { get; }

    /// <summary>Bytes the table occupies (mapped or held).</summary>
    public long ByteCount => (long)Dimension * VocabularySize * (_half != null ? 2 : 4);

    /// <summary>Bytes held on the managed heap (0 when read in place from the mapping).</summary>
    public long HeldBytes => _widened is null ? 0 : (long)_widened.Length * sizeof(float);

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

    private static void CheckFinite(GgufFile file, GgufTensorInfo tensor)
    {
        // The vector F16 widening is exact for finite halves only; a NaN/Inf weight is a corrupt model anyway.
        bool finite = tensor.Type == GgufTensorType.F16
            ? !HasNonFiniteHalf(file.GetTensorData<ushort>(tensor))
            : AllFinite(file.GetTensorData<float>(tensor));
        if (!finite)
            throw new GgufFormatException(tensor.Name, tensor.DataOffset, "the embedding contains NaN or infinite values.", file.SourceName);
    }

    private static bool HasNonFiniteHalf(ReadOnlySpan<ushort> bits)
    {
        // Exponent all ones (0x7C00) means Inf or NaN.
        foreach (var b in bits)
            if ((b & 0x7C00) == 0x7C00) return true;
        return false;
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }
}
