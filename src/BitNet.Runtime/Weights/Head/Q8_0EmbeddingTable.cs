using System.Runtime.CompilerServices;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Float16;
using BitNet.Runtime.Kernels.Quantized;

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
