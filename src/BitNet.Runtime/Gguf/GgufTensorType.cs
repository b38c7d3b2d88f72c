namespace BitNet.Runtime.Gguf;

/// <summary>ggml tensor type ids as stored in GGUF tensor infos.</summary>
/// <remarks>
/// Id 36 means <see cref="I2_S"/> only in files written by bitnet.cpp (architecture <c>bitnet-b1.58</c>, <c>bitnet-25</c>
/// or <c>bitnet</c>); upstream ggml retired that id. Id 39 is <see cref="MXFP4"/> upstream but TL2 in bitnet.cpp files,
/// which the reader refuses. See docs/formats.md.
/// </remarks>
public enum GgufTensorType : uint
{
#pragma warning disable CS1591 // The names are ggml's own.
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
    I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
    TQ1_0 = 34, TQ2_0 = 35,
    /// <summary>bitnet.cpp's packed 2-bit ternary format with one float scale per tensor (fork id 36).</summary>
    I2_S = 36,
    MXFP4 = 39,
#pragma warning restore CS1591
}

/// <summary>Block geometry and byte sizes of the tensor types the reader understands.</summary>
public static class GgufTensorTypes
{
    /// <summary>Elements per block and bytes per block, or (0, 0) for an unknown id.</summary>
    public static (int BlockSize, int BlockBytes) Geometry(GgufTensorType type) => type switch
    {
        GgufTensorType.F32 or GgufTensorType.I32 => (1, 4),
        GgufTensorType.F16 or GgufTensorType.BF16 or GgufTensorType.I16 => (1, 2),
        GgufTensorType.F64 or GgufTensorType.I64 => (1, 8),
        GgufTensorType.I8 => (1, 1),
        GgufTensorType.Q4_0 or GgufTensorType.IQ4_NL => (32, 18),
        GgufTensorType.Q4_1 => (32, 20),
        GgufTensorType.Q5_0 => (32, 22),
        GgufTensorType.Q5_1 => (32, 24),
        GgufTensorType.Q8_0 => (32, 34),
        GgufTensorType.Q8_1 => (32, 36),
        GgufTensorType.MXFP4 => (32, 17),
        GgufTensorType.Q2_K => (256, 84),
        GgufTensorType.Q3_K => (256, 110),
        GgufTensorType.Q4_K => (256, 144),
        GgufTensorType.Q5_K => (256, 176),
        GgufTensorType.Q6_K => (256, 210),
        GgufTensorType.Q8_K => (256, 292),
        GgufTensorType.IQ2_XXS => (256, 66),
        GgufTensorType.IQ2_XS => (256, 74),
        GgufTensorType.IQ3_XXS => (256, 98),
        GgufTensorType.IQ1_S => (256, 50),
        GgufTensorType.IQ3_S => (256, 110),
        GgufTensorType.IQ2_S => (256, 82),
        GgufTensorType.IQ4_XS => (256, 136),
        GgufTensorType.IQ1_M => (256, 56),
        GgufTensorType.TQ1_0 => (256, 54),
        GgufTensorType.TQ2_0 => (256, 66),
        // I2_S packs 128 elements into 32 bytes (rows never straddle a block), then one 32-byte tail per tensor (see ByteSize).
        GgufTensorType.I2_S => (128, 32),
        _ => (0, 0),
    };

    /// <summary>Whether the id is one the reader knows.</summary>
    public static bool IsKnown(GgufTensorType type) => Geometry(type).BlockSize != 0;

    /// <summary>
    /// The bytes a tensor of <paramref name="elementCount"/> elements with rows of <paramref name="rowLength"/> occupies.
    /// Throws <see cref="OverflowException"/> on overflow; callers check divisibility first.
    /// </summary>
    public static long ByteSize(GgufTensorType type, long rowLength, long elementCount)
    {
        var (block, bytes) = Geometry(type);
        if (block == 0) throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown tensor type.");
        // bitnet.cpp: packed 2-bit codes for the whole tensor, then a 32-byte tail holding the float32 scale.
        if (type == GgufTensorType.I2_S) return checked(elementCount / 4 + 32);
        _ = rowLength;
        return checked(elementCount / block * bytes);
    }
}
