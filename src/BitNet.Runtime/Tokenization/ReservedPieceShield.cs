namespace BitNet.Runtime.Tokenization;

/// <summary>
/// Works around the one way in which Microsoft.ML.Tokenizers 2.0.1 encodes differently from SentencePiece on a
/// SentencePiece BPE model with identity normalization.
/// </summary>
/// <remarks>
/// <para>SentencePiece's BPE (bpe_model.cc) only merges two symbols when their concatenation is a NORMAL,
/// USER_DEFINED or UNUSED piece (its <c>pieces_</c> map); CONTROL, UNKNOWN and BYTE pieces live in a separate
/// <c>reserved_id_map_</c> and are never the result of a merge. Microsoft.ML.Tokenizers' <c>SentencePieceTokenizer</c>
/// looks merges up in its whole vocabulary, so when a vocabulary also has, say, a normal piece <c>"&lt;s"</c>, the text
/// "&lt;s&gt;" is merged into the control piece <c>&lt;s&gt;</c> and encoded as BOS, where SentencePiece gives
/// <c>"&lt;s"</c>, <c>"&gt;"</c>. There is no option to change that.</para>
/// <para>The fix: in the model handed to Microsoft.ML.Tokenizers, every CONTROL or UNKNOWN piece that a merge could
/// produce gets a prefix character that no piece contains, which makes it unreachable without changing any id. This is
/// done only when needed (never for the TinyStories vocabulary, which has no such pieces), so normally the inner
/// tokenizer sees the vocabulary unchanged. BYTE pieces cannot be renamed (Microsoft.ML.Tokenizers finds byte fallback
/// through the text <c>&lt;0x00&gt;</c>); a vocabulary in which one is reachable is rejected.</para>
/// <para>Single-character reserved pieces are left alone: SentencePiece also maps such a character to the reserved id
/// (its <c>PieceToId</c> consults the reserved pieces first), and so does Microsoft.ML.Tokenizers.</para>
/// </remarks>
internal static class ReservedPieceShield
{
    private static readonly char[] s_markerCandidates = ['\uFFFF', '\uFFFE', '\uFDD0', '\uFDD1', '\uFDD2', '\uFDD3'];

    /// <summary>The ids of reserved pieces that a merge of two possible symbols could produce.</summary>
    public static List<int> FindMergeReachableReservedPieces(SentencePieceModel model)
    {
        var all = new HashSet<string>(model.Pieces, StringComparer.Ordinal);
        var reachable = new List<int>();
        for (var id = 0; id < model.Count; id++)
        {
            if (model.Types[id] is not (SentencePiecePieceType.Control or SentencePiecePieceType.Unknown or SentencePiecePieceType.Byte))
                continue;
            if (CanBeMerged(model.Pieces[id], all)) reachable.Add(id);
        }
        return reachable;
    }

    /// <summary>
    /// Returns the model unchanged when no reserved piece can be the result of a merge, or otherwise a copy whose
    /// reachable CONTROL/UNKNOWN pieces carry a marker prefix.
    /// </summary>
    /// <exception cref="NotSupportedException">A BYTE piece can be the result of a merge.</exception>
    public static SentencePieceModel Apply(SentencePieceModel model, out bool changed)
    {
        var reachable = FindMergeReachableReservedPieces(model);
        changed = reachable.Count > 0;
        if (!changed) return model;

        foreach (var id in reachable)
        {
            if (model.Types[id] == SentencePiecePieceType.Byte)
                throw new NotSupportedException(
                    $"The vocabulary's byte piece {id} '{model.Pieces[id]}' can be formed by merging other pieces; this tokenizer cannot encode such a vocabulary as SentencePiece does.");
        }

        var marker = s_markerCandidates.First(c => !model.Pieces.Any(p => p.Contains(c, StringComparison.Ordinal)));
        var pieces = (string[])model.Pieces.Clone();
        foreach (var id in reachable) pieces[id] = marker + pieces[id];
        return new SentencePieceModel(pieces, model.Scores, model.Types)
        {
            ModelType = model.ModelType,
            TreatWhitespaceAsSuffix = model.TreatWhitespaceAsSuffix,
            ByteFallback = model.ByteFallback,
            UnknownId = model.UnknownId,
            BosId = model.BosId,
            EosId = model.EosId,
            PadId = model.PadId,
            UnknownSurface = model.UnknownSurface,
            NormalizerName = model.NormalizerName,
            PrecompiledCharsmapLength = model.PrecompiledCharsmapLength,
            AddDummyPrefix = model.AddDummyPrefix,
            RemoveExtraWhitespaces = model.RemoveExtraWhitespaces,
            EscapeWhitespaces = model.EscapeWhitespaces,
        };
    }

    /// <summary>
    /// Whether <paramref name="piece"/> splits into two parts that can each be a symbol during encoding: a single code
    /// point (any input character) or a vocabulary piece. This over-approximates what merging can reach, which is safe.
    /// </summary>
    private static bool CanBeMerged(string piece, HashSet<string> vocabulary)
    {
        // Split only between code points: a surrogate pair is one input character.
        for (var split = char.IsSurrogatePair(piece, 0) ? 2 : 1; split < piece.Length; split += char.IsSurrogatePair(piece, split) ? 2 : 1)
        {
            if (IsSymbol(piece[..split], vocabulary) && IsSymbol(piece[split..], vocabulary)) return true;
        }
        return false;

        static bool IsSymbol(string text, HashSet<string> vocabulary) =>
            text.Length == 1 || (text.Length == 2 && char.IsSurrogatePair(text, 0)) || vocabulary.Contains(text);
    }
}
