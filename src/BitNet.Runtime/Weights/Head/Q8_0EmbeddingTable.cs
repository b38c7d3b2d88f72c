using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Float16;
using BitNet.Runtime.Kernels.Quantized;
using BitNet.Runtime.Weights.Float;

namespace BitNet.Runtime.Weights.Head;

/// <summary>
/// A Q8_0 table (ggml type 8): per 32 values a 34-byte block of an F16 step d and 32 int8 q; value = d · q. Kept in the
/// file's block layout (the kernel reads it as is), on huge pages: 1.0625 bytes per weight.
/// </summary>
/// <remarks>The head quantizes its input to Q8_0 once per token (<see cref="HeadActivations.QuantizeQ8_0"/>) and sums
/// int8 products per block (<see cref="Q8_0Dot"/>), as ggml's Q8_0 × Q8_0 dot does.</remarks>
internal sealed unsafe class Q8_0EmbeddingTable : BlockEmbeddingTable
{
    public Q8_0EmbeddingTable(GgufFile file, GgufTensorInfo tensor)
        : base(file, tensor, "Q8_0", Q8_0Dot.BlockElements, Q8_0Dot.BlockBytes, stepOffset: 0)
    {
    }

    private Q8_0EmbeddingTable(GgufTensorInfo tensor)
        : base(tensor, GgufTensorType.Q8_0, Q8_0Dot.BlockElements, Q8_0Dot.BlockBytes)
    {
    }

    /// <summary>
    /// Re-encodes a float table (F16, F32 or BF16) as Q8_0 by <see cref="Q8_0Encoder"/> (ggml's reference formula), rows
    /// in parallel, checking that every value is finite. The file's pages are dropped afterwards.
    /// </summary>
    /// <exception cref="GgufFormatException">A row holds NaN or infinite values (the first such row is named).</exception>
    /// <exception cref="ArgumentException">The tensor is not a float type, or its rows are not whole blocks of 32.</exception>
    public static Q8_0EmbeddingTable Requantize(GgufFile file, GgufTensorInfo tensor)
    {
        if (!FloatTensorReader.IsFloat(tensor.Type))
            throw new ArgumentException($"Only float tables are re-encoded; '{tensor.Name}' is {tensor.Type}.", nameof(tensor));
        var table = new Q8_0EmbeddingTable(tensor);
        try
        {
            table.EncodeRows(file, tensor);
            file.DropTensorPages(tensor);
            return table;
        }
        catch
        {
            table.Dispose();
            throw;
        }
    }

    private void EncodeRows(GgufFile file, GgufTensorInfo tensor)
    {
        const int RowsPerPart = 512;
        var source = (nint)file.GetTensorPointer(tensor);
        var type = tensor.Type;
        var rowBytes = tensor.ByteSize / VocabularySize;
        var firstBadRow = int.MaxValue;
        Parallel.For(0, (VocabularySize + RowsPerPart - 1) / RowsPerPart, () => new float[Dimension], (part, _, row) =>
        {
            var end = Math.Min(VocabularySize, (part + 1) * RowsPerPart);
            for (var v = part * RowsPerPart; v < end; v++)
            {
                FloatTensorReader.Widen(type, new ReadOnlySpan<byte>((byte*)source + v * rowBytes, (int)rowBytes), row);
                if (!float.IsFinite(TensorPrimitives.MaxMagnitude(row)))
                {
                    InterlockedMin(ref firstBadRow, v);
                    return row;
                }
                Q8_0Encoder.Encode(row, new Span<byte>(Data + v * RowBytes, (int)RowBytes));
            }
            return row;
        }, _ => { });
        if (firstBadRow != int.MaxValue)
            throw new GgufFormatException(tensor.Name, tensor.DataOffset + firstBadRow * rowBytes,
                $"row {firstBadRow}: the embedding contains NaN or infinite values.", file.SourceName);
    }

    private static void InterlockedMin(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }

    public override KernelPath DefaultPath => Q8_0Dot.DefaultPath;

    public override bool Supports(KernelPath path) => Q8_0Dot.IsSupported(path);

    /// <summary>ggml's <c>dequantize_row_q8_0</c>: y = q · d.</summary>
    public override void CopyRow(int token, Span<float> destination)
    {
        var row = Data + token * RowBytes;
        for (var b = 0; b < Blocks; b++)
        {
            var block = row + b * Q8_0Dot.BlockBytes;
            var d = HalfBits.ToSingle(*(ushort*)block);
            var q = (sbyte*)(block + 2);
            for (var j = 0; j < Q8_0Dot.BlockElements; j++) destination[b * Q8_0Dot.BlockElements + j] = q[j] * d;
        }
    }

    public override void PrepareInput(float* x, HeadActivations quantized) => quantized.QuantizeQ8_0(new ReadOnlySpan<float>(x, Dimension));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Logits(float* x, HeadActivations quantized, float* logits, int start, int end, KernelPath path)
    {
        for (var v = start; v < end; v++) logits[v] = Q8_0Dot.Dot(Data + v * RowBytes, quantized, Blocks, path);
    }
}
