using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BitNet.Runtime.Weights;

/// <summary>
/// The engine's one internal ternary layout, which every weight format (I2_S, TQ1_0, TQ2_0, float masters) is
/// repacked into at load, and which every ternary kernel reads.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> Row-major, <see cref="Rows"/> rows of <see cref="RowBytes"/> bytes; a row holds
/// <see cref="PaddedColumns"/> = <see cref="Columns"/> rounded up to 256 elements (padding is 0). Each 256-element chunk
/// takes 64 bytes: byte m of chunk j holds elements 256j + m + 64g for g = 0..3, in bits 2g..2g+1, as the code
/// c = t + 1 ∈ {0, 1, 2}.</para>
/// <para><b>Why.</b> One 64-byte load is one AVX-512 register (two AVX2 registers, four 128-bit ones). Shifting it
/// right by 2g and masking with 3 yields the codes of 64 consecutive elements in order, ready for a u8 × s8
/// multiply-add against 64 consecutive int8 activations — no shuffles. The unsigned codes suit vpmaddubsw/vpdpbusd
/// (unsigned × signed); the kernel subtracts Σx once per row to turn Σ c·x into Σ t·x. 2 bits per weight is what
/// I2_S and TQ2_0 cost as well, so decode streams the same bytes as the native engines.</para>
/// <para><b>Scales.</b> One float per tensor (<see cref="Scale"/>), or, for formats with a scale per 256-block whose
/// scales differ (general TQ1_0/TQ2_0 files), one per row and block (<see cref="BlockScales"/>).</para>
/// <para>The codes live in 64-byte-aligned native memory, released by <see cref="Dispose"/> (or the finalizer).</para>
/// </remarks>
public sealed unsafe class PackedTernaryMatrix : IDisposable
{
    /// <summary>Elements per chunk (and per scale block).</summary>
    public const int ChunkElements = 256;

    /// <summary>Bytes per chunk.</summary>
    public const int ChunkBytes = ChunkElements / 4;

    // While a model loads, its matrices are carved out of one huge-page arena (see AllocateIn).
    [ThreadStatic] private static Memory.WeightArena? t_arena;

    private byte* _codes;
    private Memory.WeightArena? _arena; // set when the codes live in a shared arena (which this matrix keeps alive)
    private readonly long _codeBytes;
    private LookupTernaryCodes? _lookup;

    /// <summary>Allocates a matrix whose every weight is 0 (code 1).</summary>
    public PackedTernaryMatrix(string name, int rows, int columns, float scale, float[]? blockScales = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        Name = name;
        Rows = rows;
        Columns = columns;
        PaddedColumns = PadColumns(columns);
        RowBytes = PaddedColumns / 4;
        ChunksPerRow = PaddedColumns / ChunkElements;
        Scale = scale;
        if (blockScales is not null && blockScales.Length != (long)rows * ChunksPerRow)
            throw new ArgumentException($"{name}: expected {(long)rows * ChunksPerRow} block scales, got {blockScales.Length}.", nameof(blockScales));
        BlockScales = blockScales;
        _codeBytes = checked((long)rows * RowBytes);
        if (t_arena is { } arena && arena.TryAllocate(_codeBytes, out var block))
        {
            _codes = block;
            _arena = arena;
        }
        else
        {
            _codes = (byte*)NativeMemory.AlignedAlloc((nuint)_codeBytes, 64);
            GC.AddMemoryPressure(_codeBytes);
        }
        new Span<byte>(_codes, checked((int)_codeBytes)).Fill(0b01_01_01_01);
    }

    /// <summary>Releases the native memory if <see cref="Dispose"/> was not called.</summary>
    ~PackedTernaryMatrix() => Free();

    /// <summary>The tensor name.</summary>
    public string Name { get; }

    /// <summary>Output features.</summary>
    public int Rows { get; }

    /// <summary>Input features.</summary>
    public int Columns { get; }

    /// <summary>Input features rounded up to a whole chunk.</summary>
    public int PaddedColumns { get; }

    /// <summary>Bytes per row.</summary>
    public int RowBytes { get; }

    /// <summary>256-element chunks per row.</summary>
    public int ChunksPerRow { get; }

    /// <summary>The per-tensor scale (used when <see cref="BlockScales"/> is null; the TQ loaders set it to NaN otherwise).</summary>
    public float Scale { get; }

    /// <summary>Scales per row and 256-block ([row × ChunksPerRow]), or null when one scale serves the tensor.</summary>
    public float[]? BlockScales { get; }

    /// <summary>Bytes of codes the matrix holds: the 2-bit codes, or the lookup layout's words once re-encoded.</summary>
    public long ByteCount => _lookup?.ByteCount ?? _codeBytes;

    /// <summary>The packed 2-bit codes (valid until disposed, or until re-encoded into the lookup layout).</summary>
    public byte* Codes => _codes != null
        ? _codes
        : _lookup is not null
            ? throw new InvalidOperationException($"{Name} was re-encoded into the lookup layout at load ({nameof(Kernels.KernelPath)}.{nameof(Kernels.KernelPath.Avx512Lookup)}); its 2-bit codes are gone.")
            : throw new ObjectDisposedException(Name);

    /// <summary>The lookup layout, when the model re-encoded this matrix for <see cref="Kernels.KernelPath.Avx512Lookup"/>; else null.</summary>
    internal LookupTernaryCodes? Lookup => _lookup;

    /// <summary>
    /// Re-encodes the matrix into <see cref="LookupTernaryCodes"/> (in <paramref name="arena"/> while it has room, each
    /// thread share starting at one of <paramref name="splits"/> stored contiguously) and releases the 2-bit codes if
    /// they are not in an arena. Matrices with per-block scales keep the 2-bit layout.
    /// </summary>
    internal void UseLookupLayout(Memory.WeightArena? arena, ReadOnlySpan<int> splits = default)
    {
        if (_lookup is not null || BlockScales is not null) return;
        _lookup = LookupTernaryCodes.From(this, arena, splits);
        FreeCodes();
    }

    /// <summary>One row's packed codes.</summary>
    public ReadOnlySpan<byte> Row(int row)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row));
        return new ReadOnlySpan<byte>(Codes + (long)row * RowBytes, RowBytes);
    }

    /// <summary>The ternary value at (row, column).</summary>
    public int this[int row, int column]
    {
        get
        {
            if ((uint)column >= (uint)Columns) throw new ArgumentOutOfRangeException(nameof(column));
            if (_lookup is { } lookup) return lookup[row, column];
            var b = Row(row)[ByteIndex(column)];
            return ((b >> Shift(column)) & 3) - 1;
        }
    }

    /// <summary>Writes one row from ternary values (each -1, 0 or +1; <see cref="Columns"/> of them).</summary>
    public void SetRow(int row, ReadOnlySpan<sbyte> values)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row));
        if (values.Length != Columns) throw new ArgumentException($"{Name}: a row has {Columns} values, got {values.Length}.", nameof(values));
        var dest = new Span<byte>(Codes + (long)row * RowBytes, RowBytes);
        // Whole chunks in bulk; a chunk with a non-ternary value (or no SIMD) is left to the scalar loop, which names it.
        var packed = Vector128.IsHardwareAccelerated ? PackChunks(values, dest) : 0;
        dest[(packed * ChunkBytes)..].Fill(0b01_01_01_01);
        for (var k = packed * ChunkElements; k < values.Length; k++)
        {
            var t = values[k];
            if (t is < -1 or > 1) throw new ArgumentException($"{Name}: row {row} column {k} holds {t}, not a ternary value.", nameof(values));
            var shift = Shift(k);
            ref var b = ref dest[ByteIndex(k)];
            b = (byte)((b & ~(3 << shift)) | ((t + 1) << shift));
        }
    }

    /// <summary>
    /// Packs the whole 256-element chunks of <paramref name="values"/> into <paramref name="dest"/>, 16 bytes (64 values) at
    /// a time; stops at the first chunk holding a value outside -1..1. Returns the number of chunks packed.
    /// </summary>
    private static int PackChunks(ReadOnlySpan<sbyte> values, Span<byte> dest)
    {
        var chunks = values.Length / ChunkElements;
        ref var src = ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(values));
        ref var dst = ref MemoryMarshal.GetReference(dest);
        var one = Vector128<byte>.One;
        var two = Vector128.Create((byte)2);
        for (var j = 0; j < chunks; j++)
        {
            var s = (nuint)j * ChunkElements;
            var d = (nuint)j * ChunkBytes;
            for (nuint m = 0; m < ChunkBytes; m += 16)
            {
                // code = t + 1 as a byte: -1, 0, +1 → 0, 1, 2; anything else lands above 2.
                var c0 = Vector128.LoadUnsafe(ref src, s + m) + one;
                var c1 = Vector128.LoadUnsafe(ref src, s + 64 + m) + one;
                var c2 = Vector128.LoadUnsafe(ref src, s + 128 + m) + one;
                var c3 = Vector128.LoadUnsafe(ref src, s + 192 + m) + one;
                if (Vector128.GreaterThanAny(Vector128.Max(Vector128.Max(c0, c1), Vector128.Max(c2, c3)), two)) return j;
                (c0 | (c1 << 2) | (c2 << 4) | (c3 << 6)).StoreUnsafe(ref dst, d + m);
            }
        }
        return chunks;
    }

    /// <summary>Input features rounded up to a whole chunk, as a row of <paramref name="columns"/> is stored.</summary>
    public static int PadColumns(int columns) => checked((columns + ChunkElements - 1) / ChunkElements * ChunkElements);

    /// <summary>The bytes of codes a matrix of this shape holds.</summary>
    internal static long BytesFor(int rows, int columns) =>
        (long)rows * ((columns + ChunkElements - 1) / ChunkElements * ChunkBytes);

    /// <summary>
    /// Until the returned scope is disposed, matrices created on this thread take their codes from
    /// <paramref name="arena"/> (while it has room) instead of allocating their own. The arena then holds them back to
    /// back, on huge pages; each such matrix keeps the arena alive, and disposing it frees nothing.
    /// </summary>
    internal static ArenaScope AllocateIn(Memory.WeightArena? arena)
    {
        var previous = t_arena;
        t_arena = arena;
        return new ArenaScope(previous);
    }

    /// <summary>Restores the previous arena (or none) when disposed.</summary>
    internal readonly struct ArenaScope(Memory.WeightArena? previous) : IDisposable
    {
        public void Dispose() => t_arena = previous;
    }

    /// <summary>Frees the codes.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private static int ByteIndex(int column) => column / ChunkElements * ChunkBytes + column % ChunkBytes;

    private static int Shift(int column) => column % ChunkElements / ChunkBytes * 2;

    private void Free()
    {
        FreeCodes();
        _lookup?.Dispose();
    }

    private void FreeCodes()
    {
        var p = _codes;
        _codes = null;
        if (_arena is not null)
        {
            _arena = null; // the arena frees its block
            return;
        }
        if (p != null)
        {
            NativeMemory.AlignedFree(p);
            GC.RemoveMemoryPressure(_codeBytes);
        }
    }
}
