using System.Text.Json;

namespace BitNet.Tests;

/// <summary>
/// <c>shared/models/tinystories-bitnet/reference_outputs.json</c>: prompts, their ids, last-position logits and greedy
/// continuations from the independent numpy implementation, with and without int8 activation quantization.
/// </summary>
internal sealed record ReferenceOutputs(IReadOnlyList<ReferencePrompt> Prompts)
{
    private static readonly Lazy<ReferenceOutputs> s_instance = new(Load);

    public static ReferenceOutputs Instance => s_instance.Value;

    private static ReferenceOutputs Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.File("models", "tinystories-bitnet", "reference_outputs.json")));
        var prompts = new List<ReferencePrompt>();
        foreach (var p in doc.RootElement.GetProperty("prompts").EnumerateArray())
        {
            ReferenceSample? sample = null;
            foreach (var prop in p.EnumerateObject())
                if (prop.Name.StartsWith("sample_", StringComparison.Ordinal))
                    sample = new ReferenceSample(prop.Name, Ints(prop.Value.GetProperty("ids")), prop.Value.GetProperty("text").GetString()!);
            prompts.Add(new ReferencePrompt(
                p.GetProperty("prompt").GetString()!,
                Ints(p.GetProperty("prompt_ids")),
                Run(p.GetProperty("int8_act")),
                Run(p.GetProperty("no_act_quant")),
                sample));
        }
        return new ReferenceOutputs(prompts);
    }

    private static ReferenceRun Run(JsonElement e) => new(
        Floats(e.GetProperty("last_logits_first16")),
        Ints(e.GetProperty("top5_ids")),
        Floats(e.GetProperty("top5_logits")),
        Ints(e.GetProperty("greedy_ids")),
        e.GetProperty("greedy_text").GetString()!);

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => x.GetSingle()).ToArray();
}

internal sealed record ReferencePrompt(string Prompt, int[] PromptIds, ReferenceRun Int8, ReferenceRun NoQuant, ReferenceSample? Sample)
{
    public override string ToString() => Prompt;
}

internal sealed record ReferenceRun(float[] LastLogitsFirst16, int[] Top5Ids, float[] Top5Logits, int[] GreedyIds, string GreedyText);

internal sealed record ReferenceSample(string Name, int[] Ids, string Text);
