using System.Runtime.InteropServices;

namespace BitNet.Runtime.Memory;

/// <summary>
/// Memory advice for the large weight arrays (Linux <c>madvise</c>; a no-op elsewhere).
/// </summary>
/// <remarks>
/// <para><b>Why.</b> Decode streams about a gigabyte of weights per token on 2B4T. Over 4 KiB pages that is 290,000
/// TLB misses per token, and in a virtual machine each miss is a two-level page walk. On the 2-core KVM guest this
/// engine is measured on, the F16 LM head (657 MB) took 180–800 ms per pass from 4 KiB pages (mapped file or anonymous
/// alike) and 29–35 ms from transparent huge pages. The kernel's THP mode is often <c>madvise</c>, so the engine asks
/// for huge pages explicitly (<see cref="AdviseHugePages"/>) on the buffers it streams.</para>
/// <para><b>Resident memory.</b> Weights repacked from the memory-mapped file leave the source pages mapped into the
/// process; <see cref="DropMappedPages"/> unmaps them from this process (the page cache keeps them) so that the resident
/// set holds each weight once.</para>
/// </remarks>
internal static unsafe partial class LargePages
{
    /// <summary>The x86-64 and AArch64 (4 KiB granule) huge page size.</summary>
    public const long HugePageSize = 2 << 20;

    private const int MadvDontNeed = 4;
    private const int MadvHugePage = 14;

    /// <summary>Whether the advice calls do anything on this OS.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Asks for transparent huge pages on the whole 2 MiB pages inside [<paramref name="pointer"/>, +<paramref name="length"/>) (anonymous memory only).</summary>
    public static void AdviseHugePages(void* pointer, long length) => Advise(pointer, length, HugePageSize, MadvHugePage);

    /// <summary>
    /// Removes the whole pages inside [<paramref name="pointer"/>, +<paramref name="length"/>) of a read-only file mapping
    /// from this process's resident set; a later read faults them back in from the page cache or the file.
    /// </summary>
    /// <remarks>Only for file mappings: on anonymous or managed memory, MADV_DONTNEED would zero the contents.</remarks>
    public static void DropMappedPages(void* pointer, long length) => Advise(pointer, length, Environment.SystemPageSize, MadvDontNeed);

    /// <summary>
    /// Allocates <paramref name="bytes"/> of native memory aligned to 2 MiB with huge pages advised (free with
    /// <see cref="NativeMemory.AlignedFree"/>). The contents are not initialized.
    /// </summary>
    public static void* Allocate(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        var p = NativeMemory.AlignedAlloc((nuint)bytes, (nuint)HugePageSize);
        AdviseHugePages(p, bytes);
        return p;
    }

    private static void Advise(void* pointer, long length, long granule, int advice)
    {
        if (!IsSupported || pointer == null || length <= 0) return;
        var start = ((long)pointer + granule - 1) / granule * granule;
        var end = ((long)pointer + length) / granule * granule;
        if (end <= start) return;
        // Advice is best effort: an old kernel or a THP-less configuration refuses it, and nothing depends on it.
        _ = madvise((void*)start, (nuint)(end - start), advice);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(void* address, nuint length, int advice);
}
