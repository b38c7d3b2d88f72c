namespace BitNet.Runtime.Gguf;

/// <summary>One tensor's entry in a GGUF file: name, shape, type and where its bytes are.</summary>
/// <remarks>
/// Dimensions are in ggml order: <c>Dimensions[0]</c> is the contiguous (row) length. A PyTorch weight
/// <c>[out, in]</c> is stored as <c>[in, out]</c>: rows of <c>in</c> elements, <c>out</c> of them.
/// </remarks>
public sealed class GgufTensorInfo
{
    internal GgufTensorInfo(string name, long[] dimensions, GgufTensorType type, long relativeOffset, long dataOffset, long byteSize, long elementCount)
    {
        Name = name;
        Dimensions = dimensions;
        Type = type;
        RelativeOffset = relativeOffset;
        DataOffset = dataOffset;
        ByteSize = byteSize;
        ElementCount = elementCount;
    }

    /// <summary>The tensor's name, e.g. <c>blk.0.attn_q.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The dimensions, contiguous dimension first.</summary>
    public IReadOnlyList<long> Dimensions { get; }

    /// <summary>The storage type.</summary>
    public GgufTensorType Type { get; }

    /// <summary>The offset as stored in the file, relative to the start of the tensor-data section.</summary>
    public long RelativeOffset { get; }

    /// <summary>The absolute byte offset of the tensor's data in the file.</summary>
    public long DataOffset { get; }

    /// <summary>The number of bytes the tensor's data occupies.</summary>
    public long ByteSize { get; }

    /// <summary>The number of elements.</summary>
    public long ElementCount { get; }

    /// <summary>The row length (<c>Dimensions[0]</c>).</summary>
    public long RowLength => Dimensions[0];

    /// <summary>The number of rows (the product of all dimensions but the first).</summary>
    public long RowCount => ElementCount / RowLength;

    /// <inheritdoc />
    public override string ToString() => $"{Name} [{string.Join(", ", Dimensions)}] {Type}";
}
