// TEMPORARY STUB: replaced by the sampling branch on merge.
#pragma warning disable CS1591
namespace BitNet.Runtime.Sampling;
public sealed record SamplingOptions
{
    public float Temperature { get; init; } = 1f;
    public int TopK { get; init; }
    public float TopP { get; init; } = 1f;
    public float MinP { get; init; }
    public ulong? Seed { get; init; }
    public static SamplingOptions Greedy { get; } = new() { Temperature = 0 };
    public void Validate() { }
}
public sealed class Sampler
{
    public Sampler(SamplingOptions options, int vocabularySize) { Options = options; _ = vocabularySize; }
    public SamplingOptions Options { get; }
    public int Sample(ReadOnlySpan<float> logits) { var b = 0; for (var i = 1; i < logits.Length; i++) if (logits[i] > logits[b]) b = i; return b; }
    public void Reset(ulong? seed = null) { _ = seed; }
}
public sealed class StopSequenceMatcher
{
    public StopSequenceMatcher(IReadOnlyList<string>? stopSequences) { _ = stopSequences; }
    public bool IsEmpty => true;
    public string Append(string text, out bool stopped) { stopped = false; return text; }
    public string Flush() => "";
    public void Reset() { }
}
