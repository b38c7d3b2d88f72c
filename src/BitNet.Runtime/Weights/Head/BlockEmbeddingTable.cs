using BitNet.Runtime.Gguf;
using BitNet.Runtime.Kernels.Float16;

namespace BitNet.Runtime.Weights.Head;

/// <summary>
/// A table in one of ggml's block formats (Q8_0, Q6_K), kept in the file's block layout on huge pages: rows of whole
/// blocks, each with an F16 step d at a fixed offset. Loading checks the row length and every block's step.
/// </summary>
internal abstract unsafe class BlockEmbeddingTable : EmbeddingTable
{
    /// <param name="file">The GGUF file.</param>
    /// <param name="tensor">The table's tensor.</param>
    /// <param name="format">The format's name in messages.</param>
    /// <param name="blockElements">Values per block.</param>
    /// <param name="blockBytes">Bytes per block.</param>
    /// <param name="stepOffset">Where a block's F16 step d sits.</param>
    /// <exception cref="GgufFormatException">A row is not whole blocks, the byte size does not match, or a step is not finite.</exception>
    protected BlockEmbeddingTable(GgufFile file, GgufTensorInfo tensor, string format, int blockElements, int blockBytes, int stepOffset)
        : base(tensor, checked(tensor.ElementCount / blockElements * blockBytes))
    {
        if (tensor.RowLength % blockElements != 0)
            throw new GgufFormatException(tensor.Name, tensor.DataOffset, $"{format} rows are whole blocks of {blockElements}; the row length is {tensor.RowLength}.", file.SourceName);
        Blocks = Dimension / blockElements;
        RowBytes = (long)Blocks * blockBytes;
        Allocate();
        try
        {
            var blocksPerRow = Blocks;
            CopyRowsChecked(file, tensor, RowBytes,
                (rows, count) => FirstNonFiniteStep((byte*)rows, (long)count * blocksPerRow, blockBytes, stepOffset) is var block and >= 0 ? (int)(block / blocksPerRow) : -1,
                "a block's F16 step d is NaN or infinite.");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>An empty table of <paramref name="type"/> for <paramref name="tensor"/>'s shape, filled by the caller (re-encoding at load).</summary>
    /// <exception cref="ArgumentException">A row is not whole blocks.</exception>
    protected BlockEmbeddingTable(GgufTensorInfo tensor, GgufTensorType type, int blockElements, int blockBytes)
        : base(tensor, type, checked(tensor.ElementCount / blockElements * blockBytes))
    {
        if (tensor.RowLength % blockElements != 0)
            throw new ArgumentException($"{type} rows are whole blocks of {blockElements}; '{tensor.Name}' has rows of {tensor.RowLength}.", nameof(tensor));
        Blocks = Dimension / blockElements;
        RowBytes = (long)Blocks * blockBytes;
        Allocate();
    }

    /// <summary>Blocks per row.</summary>
    protected int Blocks { get; }

    /// <summary>Bytes per row.</summary>
    protected long RowBytes { get; }

    private static long FirstNonFiniteStep(byte* blocks, long count, int blockBytes, int stepOffset)
    {
        for (long b = 0; b < count; b++)
            if (HalfBits.IsNonFinite(*(ushort*)(blocks + b * blockBytes + stepOffset))) return b;
        return -1;
    }
}
