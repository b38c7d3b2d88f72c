namespace BitNet.Runtime.Tokenization;

/// <summary>A decoder's position in a sequence (<see cref="TokenDecoder"/>). A default value is the start of a sequence.</summary>
internal struct TokenDecodeState
{
    /// <summary>The longest proper prefix of a UTF-8 sequence, the most that is ever held back.</summary>
    public const int MaxPending = 3;

    private uint _pending;   // up to three held-back bytes, first byte lowest

    public int PendingCount { get; private set; }

    /// <summary>SentencePiece's <c>!is_bos_ws</c>: a leading U+2581 is no longer stripped.</summary>
    public bool PastBeginning { get; set; }

    /// <summary>SentencePiece's <c>bos_ws_seen</c>: the previous text piece had its leading U+2581 stripped.</summary>
    public bool BosWhitespaceSeen { get; set; }

    /// <summary>Some text has been produced (SentencePiece's <c>!text->empty()</c>).</summary>
    public bool AnyText { get; set; }

    public void Push(byte value)
    {
        // The caller drains after every push, so at most MaxPending bytes are held before this one.
        _pending |= (uint)value << (8 * PendingCount);
        PendingCount++;
    }

    public readonly int CopyPending(Span<byte> destination)
    {
        for (var i = 0; i < PendingCount; i++) destination[i] = (byte)(_pending >> (8 * i));
        return PendingCount;
    }

    public void SetPending(ReadOnlySpan<byte> bytes)
    {
        _pending = 0;
        PendingCount = 0;
        foreach (var b in bytes) Push(b);
    }
}
