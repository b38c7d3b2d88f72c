using System.Runtime.CompilerServices;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Float16;
using BitNet.Runtime.Kernels.Quantized;

namespace BitNet.Runtime.Weights.Head;

/// <summary>
/// A Q6_K table (ggml type 14): per 256 values a 210-byte super-block of 6-bit codes u (<c>ql[128]</c> low 4 bits,
/// <c>qh[64]</c> high 2 bits), 16 int8 group scales s (one per 16 values) and an F16 step d; value = d · s · (u − 32).
/// Kept in the file's block layout, on huge pages: 0.82 bytes per weight.
/// </summary>
/// <remarks>The head quantizes its input to Q8_K once per token (<see cref="HeadActivations.QuantizeQ8_K"/>) and sums
/// int8 products per block (<see cref="Q6_KDot"/>), as ggml's Q6_K × Q8_K dot does. Byte layout: see <see cref="Q6_KDot"/>.</remarks>
internal sealed unsafe class Q6_KEmbeddingTable : BlockEmbeddingTable
{
    public Q6_KEmbeddingTable(GgufFile file, GgufTensorInfo tensor)
        : base(file, tensor, "Q6_K", Q6_KDot.BlockElements, Q6_KDot.BlockBytes, stepOffset: 208)
    {
    }

    public override KernelPath DefaultPath => Q6_KDot.DefaultPath;

    public override bool Supports(KernelPath path) => Q6_KDot.IsSupported(path);

    /// <summary>ggml's <c>dequantize_row_q6_K</c>: y = d · s · (u − 32), evaluated in that order.</summary>
    public override void CopyRow(int token, Span<float> destination)
    {
        var row = Data + token * RowBytes;
        for (var b = 0; b < Blocks; b++)
        {
            var block = row + b * Q6_KDot.BlockBytes;
            var d = HalfBits.ToSingle(*(ushort*)(block + 208));
            var y = destination.Slice(b * Q6_KDot.BlockElements, Q6_KDot.BlockElements);
            for (var half = 0; half < 2; half++)
            {
                var ql = block + 64 * half;
                var qh = block + 128 + 32 * half;
                var sc = (sbyte*)(block + 192) + 8 * half;
                var o = 128 * half;
                for (var l = 0; l < 32; l++)
                {
                    var g = l / 16;
                    y[o + l] = d * sc[g] * (((ql[l] & 0xF) | (qh[l] & 3) << 4) - 32);
                    y[o + l + 32] = d * sc[g + 2] * (((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32);
                    y[o + l + 64] = d * sc[g + 4] * (((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32);
                    y[o + l + 96] = d * sc[g + 6] * (((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32);
                }
            }
        }
    }

    public override void PrepareInput(float* x, HeadActivations quantized) => quantized.QuantizeQ8_K(new ReadOnlySpan<float>(x, Dimension));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Logits(float* x, HeadActivations quantized, float* logits, int start, int end, KernelPath path)
    {
        for (var v = start; v < end; v++) logits[v] = Q6_KDot.Dot(Data + v * RowBytes, quantized, Blocks, path);
    }
}
