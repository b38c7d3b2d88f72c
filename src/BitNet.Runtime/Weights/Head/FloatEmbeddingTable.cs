using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Float16;
using BitNet.Runtime.Kernels.Quantized;
using BitNet.Runtime.Weights.Float;

namespace BitNet.Runtime.Weights.Head;

/// <summary>An F16, F32 or BF16 table: F16 and F32 kept as stored, BF16 widened to F32. The head multiplies in float.</summary>
internal sealed unsafe class FloatEmbeddingTable : EmbeddingTable
{
    private readonly bool _half;

    public FloatEmbeddingTable(GgufFile file, GgufTensorInfo tensor)
        : base(tensor, ByteSize(tensor))
    {
        _half = tensor.Type == GgufTensorType.F16;
        Allocate();
        try
        {
            if (tensor.Type == GgufTensorType.BF16)
            {
                FloatTensorReader.Read(file, tensor, new Span<float>(Data, checked((int)tensor.ElementCount)));
                file.DropTensorPages(tensor);
            }
            else
            {
                // The vector F16 widening is exact for finite halves only; a NaN/Inf weight is a corrupt model anyway.
                var elementBytes = _half ? 2 : 4;
                CopyRowsChecked(file, tensor, (long)Dimension * elementBytes, (rows, count) =>
                {
                    for (var r = 0; r < count; r++)
                    {
                        var row = (byte*)rows + (long)r * Dimension * elementBytes;
                        var finite = _half ? !HasNonFiniteHalf(new ReadOnlySpan<ushort>(row, Dimension)) : AllFinite(new ReadOnlySpan<float>(row, Dimension));
                        if (!finite) return r;
                    }
                    return -1;
                }, "the embedding contains NaN or infinite values.");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private FloatEmbeddingTable(GgufTensorInfo tensor)
        : base(tensor, ByteSize(tensor))
    {
        _half = tensor.Type == GgufTensorType.F16;
    }

    /// <summary>
    /// An F16 or F32 table for row lookup only, read in place from the mapped file: nothing is copied or held, and
    /// only the rows looked up are paged in. Its values are not checked here: the caller checks every row (the int8
    /// head's re-encoding does, <see cref="Q8_0EmbeddingTable.Requantize"/>).
    /// </summary>
    public static FloatEmbeddingTable InPlace(GgufFile file, GgufTensorInfo tensor)
    {
        if (tensor.Type is not (GgufTensorType.F16 or GgufTensorType.F32))
            throw new ArgumentException($"Only F16 and F32 tables are read in place; '{tensor.Name}' is {tensor.Type}.", nameof(tensor));
        var table = new FloatEmbeddingTable(tensor);
        table.UseInPlace(file, tensor);
        return table;
    }

    private static long ByteSize(GgufTensorInfo tensor) => tensor.ElementCount * (tensor.Type == GgufTensorType.F16 ? 2 : 4);

    public override KernelPath DefaultPath => _half ? HalfDot.DefaultPath : KernelPath.Auto;

    public override bool Supports(KernelPath path) => !_half || path switch
    {
        KernelPath.Scalar => true,
        KernelPath.Avx2 => System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported,
        KernelPath.Avx512 => System.Runtime.Intrinsics.X86.Avx512F.IsSupported,
        _ => false,
    };

    public override void CopyRow(int token, Span<float> destination)
    {
        if (_half)
            TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>((ushort*)Data + (long)token * Dimension, Dimension), destination);
        else
            new ReadOnlySpan<float>((float*)Data + (long)token * Dimension, Dimension).CopyTo(destination);
    }

    public override void PrepareInput(float* x, HeadActivations quantized)
    {
        // The head multiplies the float input directly.
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Logits(float* x, HeadActivations quantized, float* logits, int start, int end, KernelPath path)
    {
        if (_half)
        {
            var table = (ushort*)Data;
            for (var v = start; v < end; v++) logits[v] = HalfDot.Dot(table + (long)v * Dimension, x, Dimension, path);
        }
        else
        {
            var table = (float*)Data;
            var input = new ReadOnlySpan<float>(x, Dimension);
            for (var v = start; v < end; v++) logits[v] = TensorPrimitives.Dot(new ReadOnlySpan<float>(table + (long)v * Dimension, Dimension), input);
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
            if (HalfBits.IsNonFinite(bits[i])) return true;
        return false;
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }
}
