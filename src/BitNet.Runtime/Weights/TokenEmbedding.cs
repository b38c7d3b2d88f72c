using BitNet.Runtime.Gguf;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Quantized;
using BitNet.Runtime.Weights.Head;

namespace BitNet.Runtime.Weights;

/// <summary>
/// A [dimension, vocabulary] table read as token embedding and as LM head: <c>token_embd.weight</c> (which BitNet
/// b1.58 ties to the head) or a separate <c>output.weight</c>. Stored as F16, F32, BF16 (widened to F32), Q8_0 or Q6_K;
/// the quantized types keep ggml's block layout and the head multiplies them with int8 activations. The table is copied
/// out of the mapped file into native memory on transparent huge pages, and the file's pages are then dropped from the
/// resident set, so the process holds it once.
/// </summary>
/// <remarks>
/// The LM head reads the whole table for every generated token (657 MB in F16 on 2B4T, 349 MB in Q8_0, 269 MB in Q6_K).
/// Read in place from the 4 KiB pages of the mapping it took 180–800 ms per pass on a loaded 2-core KVM guest, against
/// 29–35 ms from huge pages; see <see cref="Memory.LargePages"/>. The copy costs a fraction of a second at load.
/// </remarks>
public sealed unsafe class TokenEmbedding : IDisposable
{
    private readonly EmbeddingTable _table;

    /// <summary>Copies <paramref name="tensor"/> ([embedding, vocabulary]) out of <paramref name="file"/>.</summary>
    /// <exception cref="GgufFormatException">The table holds NaN or infinite values or block steps, or its size does not match its shape.</exception>
    /// <exception cref="NotSupportedException">The tensor is not F16, F32, BF16, Q8_0 or Q6_K.</exception>
    public TokenEmbedding(GgufFile file, GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tensor);
        _table = tensor.Type switch
        {
            GgufTensorType.F16 or GgufTensorType.F32 or GgufTensorType.BF16 => new FloatEmbeddingTable(file, tensor),
            GgufTensorType.Q8_0 => new Q8_0EmbeddingTable(file, tensor),
            GgufTensorType.Q6_K => new Q6_KEmbeddingTable(file, tensor),
            _ => throw new NotSupportedException($"The table '{tensor.Name}' is {tensor.Type}; supported: {string.Join(", ", SupportedTypes)}."),
        };
        HeadKernelPath = _table.DefaultPath;
    }

    private TokenEmbedding(EmbeddingTable table, GgufTensorType? requantizedFrom)
    {
        _table = table;
        RequantizedFrom = requantizedFrom;
        HeadKernelPath = table.DefaultPath;
    }

    /// <summary>
    /// The head for <see cref="Model.HeadQuantization.Int8"/>: the float table <paramref name="tensor"/> (F16, F32 or BF16)
    /// re-encoded as Q8_0 at load (ggml's reference formula), every value checked finite.
    /// </summary>
    /// <exception cref="GgufFormatException">The table holds NaN or infinite values.</exception>
    internal static TokenEmbedding RequantizedToQ8_0(GgufFile file, GgufTensorInfo tensor) =>
        new(Q8_0EmbeddingTable.Requantize(file, tensor), tensor.Type);

    /// <summary>
    /// An F16 or F32 table used for lookup only, read in place from the mapped file (nothing held; the rows looked
    /// up are paged in). The caller has checked its values (<see cref="RequantizedToQ8_0"/> does).
    /// </summary>
    internal static TokenEmbedding LookupInPlace(GgufFile file, GgufTensorInfo tensor) =>
        new(FloatEmbeddingTable.InPlace(file, tensor), null);

    /// <summary>The storage types a table may have.</summary>
    public static IReadOnlyList<GgufTensorType> SupportedTypes { get; } =
        [GgufTensorType.F16, GgufTensorType.F32, GgufTensorType.BF16, GgufTensorType.Q8_0, GgufTensorType.Q6_K];

    /// <summary>Elements per token vector.</summary>
    public int Dimension => _table.Dimension;

    /// <summary>Rows (tokens).</summary>
    public int VocabularySize => _table.VocabularySize;

    /// <summary>The storage type of the rows in use: the file's, or <see cref="GgufTensorType.Q8_0"/> when re-encoded at load.</summary>
    public GgufTensorType Type => _table.Type;

    /// <summary>The file's type when the table was re-encoded at load (<see cref="Model.HeadQuantization.Int8"/>); otherwise null.</summary>
    public GgufTensorType? RequantizedFrom { get; }

    /// <summary>Whether the head multiplies int8 activations (Q8_0, Q6_K) rather than float ones.</summary>
    public bool IsQuantized => Type is GgufTensorType.Q8_0 or GgufTensorType.Q6_K;

    /// <summary>Bytes the table occupies: what the LM head reads per token.</summary>
    public long ByteCount => _table.ByteCount;

    /// <summary>Bytes the table holds in the runtime's own memory: all of it when copied out of the file, 0 when read in place.</summary>
    public long HeldBytes => _table.HeldBytes;

    /// <summary>The instruction-set path of the head kernel (<see cref="KernelPath.Auto"/> for F32/BF16 tables, which use <c>TensorPrimitives</c>).</summary>
    public KernelPath HeadKernelPath { get; private set; }

    /// <summary>Forces the head kernel path; <see cref="KernelPath.Auto"/> restores the one chosen for this CPU. Call before the table is used.</summary>
    /// <exception cref="NotSupportedException">This CPU or this storage type has no such path.</exception>
    internal void UseHeadKernelPath(KernelPath path)
    {
        if (path == KernelPath.Auto)
        {
            HeadKernelPath = _table.DefaultPath;
            return;
        }
        if (!_table.Supports(path))
            throw new NotSupportedException($"The {Type} LM head has no {path} kernel on this CPU.");
        HeadKernelPath = path;
    }

    /// <summary>Frees the table; the embedding must not be used afterwards.</summary>
    public void Dispose() => _table.Dispose();

    /// <summary>Copies the embedding of <paramref name="token"/> into <paramref name="destination"/> (dequantized as ggml does).</summary>
    public void CopyRow(int token, Span<float> destination)
    {
        if ((uint)token >= (uint)VocabularySize) throw new ArgumentOutOfRangeException(nameof(token));
        if (destination.Length != Dimension) throw new ArgumentException($"Expected {Dimension} floats.", nameof(destination));
        _table.CopyRow(token, destination);
    }

    /// <summary>Prepares the head input <paramref name="x"/> once per token (int8 quantization for the quantized types).</summary>
    internal void PrepareHeadInput(float* x, HeadActivations quantized) => _table.PrepareInput(x, quantized);

    /// <summary>logits[v] = row(v) · x for v in [<paramref name="start"/>, <paramref name="end"/>), after <see cref="PrepareHeadInput"/>.</summary>
    internal void Logits(float* x, HeadActivations quantized, float* logits, int start, int end) =>
        _table.Logits(x, quantized, logits, start, end, HeadKernelPath);

    /// <summary>As <see cref="Logits(float*, HeadActivations, float*, int, int)"/> with a given kernel path (tests).</summary>
    internal void Logits(float* x, HeadActivations quantized, float* logits, int start, int end, KernelPath path) =>
        _table.Logits(x, quantized, logits, start, end, path);
}
