namespace BitNet.Runtime.Model;

/// <summary>What the LM head multiplies: the table as the file stores it, or an int8 copy made at load.</summary>
/// <remarks>
/// The head reads its whole table for every generated token — on bitnet-b1.58-2B-4T the tied F16 embedding is 657 MB
/// of the 1,178 MB a token streams — so on a memory-bound CPU its precision sets much of the decode speed.
/// docs/benchmarks.md ("Int8 LM head at load") measures the speed and the effect on logits and perplexity.
/// </remarks>
public enum HeadQuantization
{
    /// <summary>The head multiplies the table in its stored type (F16/F32/BF16 in float, Q8_0/Q6_K in int8). Exact.</summary>
    AsStored = 0,

    /// <summary>
    /// A float table (F16, F32 or BF16) is re-encoded at load as ggml's Q8_0 — per 32 values an F16 step
    /// d = max|x| / 127 and 32 int8 values, 1.0625 bytes per weight — and the head multiplies it with int8 activations.
    /// The token lookup keeps the file's float rows, read in place from the mapped file, so only the head is
    /// approximated and the process holds the table once (as Q8_0). Tables already quantized are used as stored.
    /// </summary>
    Int8 = 1,
}
