using System.Runtime.InteropServices;

namespace BitNet.Runtime.Weights;

/// <summary>
/// The table-lookup layout of a ternary matrix, read by the AVX-512 lookup kernels
/// (<see cref="Kernels.Ternary.Avx512LookupKernel"/>): every three weights of a row are one 5-bit index, three indices
/// one 16-bit word, 32 rows' words one 64-byte vector.
/// </summary>
/// <remarks>
/// <para><b>Index.</b> Weights t0, t1, t2 of columns 3g, 3g + 1, 3g + 2 give i = (t0 + 1) + 3 (t1 + 1) + 9 (t2 + 1) ∈ 0..26.
/// A word holds the indices of groups 3u, 3u + 1, 3u + 2 (a <i>triplet</i> of groups: nine columns) in bits 0–4, 5–9
/// and 10–14. vpermw reads only the low five bits of each word, so the kernel shifts instead of masking.</para>
/// <para><b>Order.</b> Rows are padded to whole super-blocks of <see cref="SuperBlockRows"/> (four blocks of 32, padding
/// weights 0) and columns to whole triplets. The triplets are cut into slices of <see cref="SliceTriplets"/>. The
/// super-blocks are cut into <i>segments</i>, one per share of the decode step's worker threads, and each segment is
/// stored on its own: [segment][slice][super-block in segment][triplet in slice][block][row in block]. A slice's
/// tables (one 64-byte table per group, 5.4 KiB) stay in L1 while a thread streams its super-blocks of that slice, and
/// a thread's whole share is one contiguous region: two threads reading interleaved pieces of one region streamed
/// ~30% slower (docs/benchmarks.md).</para>
/// <para><b>Why.</b> 16 bits per 9 weights (1.78 bits per weight against 2), and one vpermw + one vpaddw per 96
/// multiply-adds against vpmaddubsw + vpaddw per 64 — docs/formats.md and docs/benchmarks.md have the measurements.
/// Within a slice the int16 sums stay below 28 · 3 · 384 = 32256, so they are widened to int32 once per slice.</para>
/// </remarks>
internal sealed unsafe class LookupTernaryCodes : IDisposable
{
    /// <summary>Rows per block: one vector of 32 words.</summary>
    public const int BlockRows = 32;

    /// <summary>Blocks per super-block, which the kernels process together so that each table load feeds four blocks.</summary>
    public const int BlocksPerSuperBlock = 4;

    /// <summary>Rows per super-block.</summary>
    public const int SuperBlockRows = BlockRows * BlocksPerSuperBlock;

    /// <summary>Columns per triplet (one 16-bit word).</summary>
    public const int TripletColumns = 9;

    /// <summary>Triplets per slice: 28 keeps the int16 sums in range and a slice's tables (84 × 64 bytes) in L1.</summary>
    public const int SliceTriplets = 28;

    /// <summary>Bytes of one group's table: 32 int16 entries, 27 of them used.</summary>
    public const int TableBytes = 64;

    private short* _words;
    private Memory.WeightArena? _arena; // set when the words live in a shared arena (kept alive while they are used)
    private readonly int[] _segments; // super-block boundaries: 0, …, SuperBlocks

    private LookupTernaryCodes(int rows, int columns, short* words, Memory.WeightArena? arena, int[] segments)
    {
        Rows = rows;
        Columns = columns;
        PaddedRows = PadRows(rows);
        Triplets = TripletsFor(columns);
        _words = words;
        _arena = arena;
        _segments = segments;
    }

    ~LookupTernaryCodes() => Free();

    /// <summary>Output features.</summary>
    public int Rows { get; }

    /// <summary>Input features.</summary>
    public int Columns { get; }

    /// <summary>Rows rounded up to whole super-blocks.</summary>
    public int PaddedRows { get; }

    /// <summary>Words per row: columns rounded up to whole triplets, over 9.</summary>
    public int Triplets { get; }

    /// <summary>Groups of three columns: the number of tables an input needs.</summary>
    public int Groups => GroupsFor(Columns);

    /// <summary>Super-blocks.</summary>
    public int SuperBlocks => PaddedRows / SuperBlockRows;

    /// <summary>Bytes of words held.</summary>
    public long ByteCount => BytesFor(Rows, Columns);

    /// <summary>The words, in the order stated above.</summary>
    public short* Words => _words != null ? _words : throw new ObjectDisposedException(nameof(LookupTernaryCodes));

    /// <summary>Rows rounded up to whole super-blocks.</summary>
    public static int PadRows(int rows) => checked((rows + SuperBlockRows - 1) / SuperBlockRows * SuperBlockRows);

    /// <summary>Words per row for <paramref name="columns"/> inputs.</summary>
    public static int TripletsFor(int columns) => (columns + TripletColumns - 1) / TripletColumns;

    /// <summary>Tables an input of <paramref name="columns"/> activations needs: one per group of three, whole triplets.</summary>
    public static int GroupsFor(int columns) => TripletsFor(columns) * 3;

    /// <summary>The bytes of words a matrix of this shape holds.</summary>
    public static long BytesFor(int rows, int columns) => (long)PadRows(rows) * TripletsFor(columns) * sizeof(short);

    /// <summary>The segments' super-block boundaries: 0, the splits given at encoding, <see cref="SuperBlocks"/>.</summary>
    public ReadOnlySpan<int> SegmentBounds => _segments;

    /// <summary>The first word of slice <paramref name="slice"/> of segment <paramref name="segment"/>.</summary>
    public short* SliceWords(int segment, int slice)
    {
        var first = _segments[segment];
        var superBlocks = _segments[segment + 1] - first;
        return Words + (long)first * SuperBlockRows * Triplets + (long)superBlocks * SuperBlockRows * slice * SliceTriplets;
    }

    /// <summary>
    /// Re-encodes <paramref name="source"/> (the 2-bit layout) into this layout, in <paramref name="arena"/> when it has
    /// room, else in memory of its own; <paramref name="splits"/> are the super-blocks where the decode step's thread
    /// shares start (increasing, inside the matrix). Super-blocks are converted in parallel.
    /// </summary>
    public static LookupTernaryCodes From(PackedTernaryMatrix source, Memory.WeightArena? arena, ReadOnlySpan<int> splits = default)
    {
        int rows = source.Rows, columns = source.Columns;
        var superBlocksInAll = PadRows(rows) / SuperBlockRows;
        var segments = new int[splits.Length + 2];
        for (var i = 0; i < splits.Length; i++)
        {
            if (splits[i] <= segments[i] || splits[i] >= superBlocksInAll)
                throw new ArgumentException($"Segment splits must increase inside the {superBlocksInAll} super-blocks; got {string.Join(", ", splits.ToArray())}.", nameof(splits));
            segments[i + 1] = splits[i];
        }
        segments[^1] = superBlocksInAll;
        var bytes = BytesFor(rows, columns);
        short* words;
        if (arena is not null && arena.TryAllocate(bytes, out var block)) words = (short*)block;
        else
        {
            arena = null;
            words = (short*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
            GC.AddMemoryPressure(bytes);
        }
        var codes = new LookupTernaryCodes(rows, columns, words, arena, segments);
        Parallel.For(0, codes.SuperBlocks, superBlock => codes.Encode(source, superBlock));
        return codes;
    }

    /// <summary>The ternary value at (row, column).</summary>
    public int this[int row, int column]
    {
        get
        {
            if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row));
            if ((uint)column >= (uint)Columns) throw new ArgumentOutOfRangeException(nameof(column));
            int triplet = column / TripletColumns, within = column % TripletColumns;
            var index = (*Word(row, triplet) >> (5 * (within / 3))) & 31;
            for (var k = within % 3; k > 0; k--) index /= 3;
            return index % 3 - 1;
        }
    }

    /// <summary>Where the word of (row, triplet) lies.</summary>
    public short* Word(int row, int triplet)
    {
        int slice = triplet / SliceTriplets, inSlice = triplet % SliceTriplets;
        int superBlock = row / SuperBlockRows, block = row % SuperBlockRows / BlockRows, lane = row % BlockRows;
        var segment = SegmentOf(superBlock);
        var local = superBlock - _segments[segment];
        return SliceWords(segment, slice) + (((long)local * SliceLength(slice) + inSlice) * BlocksPerSuperBlock + block) * BlockRows + lane;
    }

    /// <summary>The segment holding super-block <paramref name="superBlock"/>.</summary>
    public int SegmentOf(int superBlock)
    {
        var segment = 0;
        while (_segments[segment + 1] <= superBlock) segment++;
        return segment;
    }

    /// <summary>Triplets in slice <paramref name="slice"/> (the last may be short).</summary>
    public int SliceLength(int slice) => Math.Min(SliceTriplets, Triplets - slice * SliceTriplets);

    /// <summary>Slices.</summary>
    public int Slices => (Triplets + SliceTriplets - 1) / SliceTriplets;

    private void Encode(PackedTernaryMatrix source, int superBlock)
    {
        // One row's codes (t + 1; the 2-bit layout pads with 1, weight 0) at a time, then its words, slice by slice.
        var length = Math.Max(Triplets * TripletColumns, source.PaddedColumns);
        var buffer = new byte[length];
        fixed (byte* codes = buffer)
        {
            for (var r = superBlock * SuperBlockRows; r < (superBlock + 1) * SuperBlockRows; r++)
            {
                if (r < Rows) Unpack(source.Codes + (long)r * source.RowBytes, source.RowBytes, codes, length);
                else new Span<byte>(codes, length).Fill(1);
                int block = r % SuperBlockRows / BlockRows, lane = r % BlockRows;
                var segment = SegmentOf(superBlock);
                var local = superBlock - _segments[segment];
                for (var slice = 0; slice < Slices; slice++)
                {
                    var sliceLength = SliceLength(slice);
                    var word = SliceWords(segment, slice) + ((long)local * sliceLength * BlocksPerSuperBlock + block) * BlockRows + lane;
                    var c = codes + slice * SliceTriplets * TripletColumns;
                    for (var t = 0; t < sliceLength; t++, word += SuperBlockRows, c += TripletColumns)
                        *word = (short)((c[0] + 3 * c[1] + 9 * c[2]) | (c[3] + 3 * c[4] + 9 * c[5]) << 5 | (c[6] + 3 * c[7] + 9 * c[8]) << 10);
                }
            }
        }
    }

    /// <summary>Codes t + 1 of one 2-bit row, in column order, padding included; columns past that stay 1 (weight 0).</summary>
    private static void Unpack(byte* row, int rowBytes, byte* codes, int length)
    {
        new Span<byte>(codes + rowBytes * 4, length - rowBytes * 4).Fill(1);
        for (var j = 0; j < rowBytes; j += PackedTernaryMatrix.ChunkBytes)
        {
            var c = codes + j * 4;
            for (var m = 0; m < PackedTernaryMatrix.ChunkBytes; m++)
            {
                var b = row[j + m];
                c[m] = (byte)(b & 3);
                c[m + 64] = (byte)((b >> 2) & 3);
                c[m + 128] = (byte)((b >> 4) & 3);
                c[m + 192] = (byte)(b >> 6);
            }
        }
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        var p = _words;
        _words = null;
        if (_arena is not null)
        {
            _arena = null; // the arena frees its block
            return;
        }
        if (p != null)
        {
            NativeMemory.AlignedFree(p);
            GC.RemoveMemoryPressure(ByteCount);
        }
    }
}
