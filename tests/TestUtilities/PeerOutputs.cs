using System.Text.Json;

namespace BitNet.Tests;

/// <summary>
/// <c>shared/fixtures/tinystories-bitnet/peer_outputs.json</c>: what the peer native engines (ggml, bitnet.cpp's I2_S
/// kernels) computed for the 5 reference prompts, per weight format (f16, f32, tq2_0, tq1_0, i2_s): prompt ids, the
/// full last-position logits, 64 greedy ids (decoded without stopping at <c>&lt;/s&gt;</c>) and, for f16 and f32, the
/// logits of every position of prompt 0. The fixture README says which activation handling each format ran with.
/// </summary>
internal sealed record PeerOutputs(IReadOnlyDictionary<string, PeerFormat> Formats)
{
    private static readonly Lazy<PeerOutputs> s_instance = new(Load);

    public static PeerOutputs Instance => s_instance.Value;

    public PeerFormat this[string format] => Formats[format];

    private static PeerOutputs Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.File("fixtures", "tinystories-bitnet", "peer_outputs.json")));
        var formats = new Dictionary<string, PeerFormat>(StringComparer.Ordinal);
        foreach (var format in doc.RootElement.GetProperty("formats").EnumerateObject())
        {
            var prompts = format.Value.GetProperty("prompts").EnumerateArray().Select(p => new PeerPrompt(
                p.GetProperty("prompt").GetString()!,
                Ints(p.GetProperty("prompt_ids")),
                Floats(p.GetProperty("last_logits")),
                Ints(p.GetProperty("greedy_ids")))).ToArray();
            float[][]? all = format.Value.TryGetProperty("prompt0_all_logits", out var a) ? [.. a.EnumerateArray().Select(Floats)] : null;
            formats.Add(format.Name, new PeerFormat(format.Name, format.Value.GetProperty("description").GetString()!, prompts, all));
        }
        return new PeerOutputs(formats);
    }

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => x.GetSingle()).ToArray();
}

/// <param name="Prompt0AllLogits">[position][vocabulary] for prompt 0; only f16 and f32 have it.</param>
internal sealed record PeerFormat(string Name, string Description, IReadOnlyList<PeerPrompt> Prompts, float[][]? Prompt0AllLogits)
{
    public override string ToString() => Name;
}

/// <param name="PromptIds">With BOS.</param>
/// <param name="LastLogits">The logits after the last prompt token (the whole vocabulary).</param>
/// <param name="GreedyIds">64 argmax tokens, fed back even when one is <c>&lt;/s&gt;</c>.</param>
internal sealed record PeerPrompt(string Prompt, int[] PromptIds, float[] LastLogits, int[] GreedyIds)
{
    public override string ToString() => Prompt;
}
