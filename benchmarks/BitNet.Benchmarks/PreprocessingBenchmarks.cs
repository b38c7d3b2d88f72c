using System.Text;
using BenchmarkDotNet.Attributes;
using BitNet.Extensions.AI;

namespace BitNet.Benchmarks;

/// <summary>
/// The cost of the input preprocessing (<see cref="BitNetTextPreprocessor"/> with the default options, ICU
/// normalization included) on a story-sized prompt, a long prompt, text full of what it removes, and hostile floods.
/// It runs once per request, before the prompt is tokenized.
/// Run: <c>dotnet run -c Release --project benchmarks/BitNet.Benchmarks -- --filter '*Preprocessing*'</c>.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MemoryDiagnoser]
public class PreprocessingBenchmarks
{
    private const string Story =
        "Once upon a time, there was a little girl named Lily. She loved to play in the garden with her dog, Max. " +
        "One day, they found a big red ball under a tree. \"Look, Max!\" said Lily. \"Let's play!\" They ran and " +
        "laughed until the sun went down.\n";

    private const string Noisy =
        "\uFEFFOnce up\u00ADon a time\u200B, a fox\u00A0found a hat \U0001F389\U0001F389\U0001F389\U0001F389\U0001F389. " +
        "Caf\u0065\u0301 and cre\u0300me!\u0007\r\n\r\n\r\nHer family \U0001F468\u200D\U0001F469\u200D\U0001F467 said \u2764\uFE0F.\t\t";

    private readonly BitNetTextPreprocessor _preprocessor = new();
    private string _story = null!;
    private string _longPrompt = null!;
    private string _noisy = null!;
    private string _emojiFlood = null!;
    private string _zwjFlood = null!;

    [GlobalSetup]
    public void Setup()
    {
        _story = Repeat(Story, 700);
        _longPrompt = Repeat(Story, 16_000);
        _noisy = Repeat(Noisy, 16_000);
        _emojiFlood = Repeat("\U0001F600", 1 << 20);
        _zwjFlood = Repeat("\U0001F600\u200D", 1 << 20);
    }

    [Benchmark(Baseline = true, Description = "story, 700 chars")]
    public string StoryPrompt() => _preprocessor.Process(_story);

    [Benchmark(Description = "story text, 16k chars (~4k tokens)")]
    public string LongPrompt() => _preprocessor.Process(_longPrompt);

    [Benchmark(Description = "noisy mixed text, 16k chars")]
    public string NoisyPrompt() => _preprocessor.Process(_noisy);

    [Benchmark(Description = "1 M chars of emoji")]
    public string EmojiFlood() => _preprocessor.Process(_emojiFlood);

    [Benchmark(Description = "1 M chars of ZWJ-joined emoji")]
    public string ZwjFlood() => _preprocessor.Process(_zwjFlood);

    private static string Repeat(string unit, int length)
    {
        var builder = new StringBuilder(length + unit.Length);
        while (builder.Length < length) builder.Append(unit);
        return builder.ToString();
    }
}
