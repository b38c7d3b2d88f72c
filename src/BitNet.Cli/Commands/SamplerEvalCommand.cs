using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using BitNet.Runtime;
using BitNet.Runtime.Evaluation;
using BitNet.Runtime.Sampling;
using Spectre.Console;

namespace BitNet.Cli.Commands;

/// <summary>
/// <c>bitnet sampler-eval FILE</c>: compares sampling settings on the same prompts — the first words of each story in
/// a document file (the held-out stories) — by the repetition and the likelihood of what they generate
/// (<see cref="SamplingEvaluator"/>). The first row scores the stories' own continuations, for reference.
/// </summary>
internal sealed class SamplerEvalCommand
{
    /// <summary>The settings compared, by name; T = 1 unless a temperature is named, so the filters are compared alone.</summary>
    internal static readonly IReadOnlyList<(string Name, SamplingOptions Options)> Settings =
    [
        ("greedy", SamplingOptions.Greedy),
        ("T=1", new SamplingOptions()),
        ("top-k 40", new SamplingOptions { TopK = 40 }),
        ("top-p 0.9", new SamplingOptions { TopP = 0.9f }),
        ("fused top-k 40 + top-p 0.9, min-keep 3", new SamplingOptions { TopK = 40, TopP = 0.9f, MinKeep = 3 }),
        ("top-n-sigma 2 (mu+2sigma)", new SamplingOptions { TopNSigma = 2f }),
        ("top-n-sigma 1", new SamplingOptions { TopNSigma = 1f }),
        ("min-p 0.1", new SamplingOptions { MinP = 0.1f }),
        ("T=0.8 top-p 0.9 (old default)", new SamplingOptions { Temperature = 0.8f, TopP = 0.9f }),
        ("greedy + repeat 1.3", SamplingOptions.Greedy with { RepetitionPenalty = 1.3f }),
        ("T=0.8 top-p 0.9 + repeat 1.1", new SamplingOptions { Temperature = 0.8f, TopP = 0.9f, RepetitionPenalty = 1.1f }),
        ("T=0.8 top-p 0.9 + freq 0.3 pres 0.3", new SamplingOptions { Temperature = 0.8f, TopP = 0.9f, FrequencyPenalty = 0.3f, PresencePenalty = 0.3f }),
        ("adaptive without its repetition penalty", SamplingOptions.Adaptive with { RepetitionPenalty = 1f }),
        ("adaptive (default)", SamplingOptions.Adaptive),
    ];

    private static readonly JsonWriterOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true };

    private readonly CliConsole _console;
    private readonly Argument<FileInfo> _file = new("FILE")
    {
        Description = $"A UTF-8 text file of stories separated by {PerplexityEvaluator.DocumentSeparator} lines (e.g. heldout-stories.txt).",
    };
    private readonly ModelOptions _model = new();
    private readonly Option<int> _prompts = new("--prompts")
    {
        Description = "How many stories to take prompts from (the first ones).",
        HelpName = "N",
        DefaultValueFactory = _ => 64,
    };
    private readonly Option<int> _promptWords = new("--prompt-words")
    {
        Description = "The prompt is the first N words of each story.",
        HelpName = "N",
        DefaultValueFactory = _ => 8,
    };
    private readonly Option<int> _maxTokens = new("--max-tokens", "-n")
    {
        Description = "Tokens generated per prompt at most (fewer when the model ends the story).",
        HelpName = "N",
        DefaultValueFactory = _ => 128,
    };
    private readonly Option<ulong> _seed = new("--seed", "-s")
    {
        Description = "Prompt i is sampled with seed + i, the same for every setting.",
        HelpName = "N",
        DefaultValueFactory = _ => 1UL,
    };
    private readonly Option<string[]> _only = new("--setting")
    {
        Description = "Evaluate only the settings whose name contains this text (repeatable). Default: all.",
        HelpName = "TEXT",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };
    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print one JSON object instead of a table.",
    };

    public SamplerEvalCommand(CliConsole console)
    {
        _console = console;
        foreach (var option in new[] { _prompts, _promptWords, _maxTokens })
        {
            option.Validators.Add(r =>
            {
                if (CommonOptions.TryGetValue<int>(r, out var value) && value < 1) r.AddError($"{option.Name} must be at least 1, got {value}.");
            });
        }
    }

    public Command Build()
    {
        var command = new Command("sampler-eval",
            "Compare sampling settings on story prompts: 3-gram repetition, distinct-n and the model's likelihood of the sampled text.");
        command.Arguments.Add(_file);
        _model.AddTo(command);
        command.Options.Add(_prompts);
        command.Options.Add(_promptWords);
        command.Options.Add(_maxTokens);
        command.Options.Add(_seed);
        command.Options.Add(_only);
        command.Options.Add(_json);
        command.SetAction((result, cancellationToken) => Task.FromResult(Run(result, cancellationToken)));
        return command;
    }

    private int Run(ParseResult result, CancellationToken cancellationToken)
    {
        var file = result.GetValue(_file)!;
        if (!file.Exists) throw new FileNotFoundException($"The text file '{file.FullName}' does not exist.", file.FullName);
        var stories = PerplexityEvaluator.ReadDocuments(file.FullName);
        var count = Math.Min(result.GetValue(_prompts), stories.Count);
        var promptWords = result.GetValue(_promptWords);
        var maxTokens = result.GetValue(_maxTokens);
        var seed = result.GetValue(_seed);
        var only = result.GetValue(_only) ?? [];

        using var model = BitNetModel.Load(_model.Read(result));
        var prompts = new List<int[]>(count);
        var references = new List<int[]>(count);
        for (var i = 0; i < count; i++)
        {
            var words = stories[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length <= promptWords) continue; // nothing left to compare with
            var prompt = model.Tokenizer.Encode(string.Join(' ', words, 0, promptWords));
            var whole = model.Tokenizer.Encode(string.Join(' ', words));
            // The story's own continuation: its tokens after the prompt's (the tokenizations agree on the shared prefix
            // except possibly at its last token, so take the tokens after the common prefix).
            var common = 0;
            while (common < prompt.Length && common < whole.Length && prompt[common] == whole[common]) common++;
            var reference = whole[common..];
            prompts.Add(prompt[..common]);
            references.Add(reference[..Math.Min(reference.Length, maxTokens)]);
        }
        if (prompts.Count == 0) throw new InvalidOperationException($"No story in '{file.FullName}' has more than {promptWords} words.");

        var evaluator = new SamplingEvaluator(model);
        var rows = new List<(string Name, SamplingEvaluation Result, TimeSpan Time)>();
        var clock = Stopwatch.StartNew();
        rows.Add(("held-out text (reference)", evaluator.EvaluateReference(prompts, references, cancellationToken), clock.Elapsed));
        foreach (var (name, options) in Settings)
        {
            if (only.Length > 0 && !Array.Exists(only, o => name.Contains(o, StringComparison.OrdinalIgnoreCase))) continue;
            clock.Restart();
            var evaluation = evaluator.Evaluate(prompts, options, maxTokens, seed, cancellationToken);
            rows.Add((name, evaluation, clock.Elapsed));
            _console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sampler-eval: {name}: {evaluation.Tokens} tokens in {CommonOptions.Duration(clock.Elapsed)}"));
        }

        if (result.GetValue(_json)) WriteJson(file, model, prompts.Count, promptWords, maxTokens, seed, rows);
        else WriteTable(file, model, prompts.Count, promptWords, maxTokens, seed, rows);
        return 0;
    }

    private void WriteTable(FileInfo file, BitNetModel model, int prompts, int promptWords, int maxTokens, ulong seed,
                            List<(string Name, SamplingEvaluation Result, TimeSpan Time)> rows)
    {
        var c = CultureInfo.InvariantCulture;
        _console.Out.WriteLine(string.Create(c,
            $"{model.ModelId}: {prompts} prompts (first {promptWords} words of each story in {file.Name}), up to {maxTokens} tokens, seeds {seed}..{seed + (ulong)prompts - 1}"));
        var table = new Table().Border(TableBorder.Markdown).AddColumn("setting");
        foreach (var column in new[] { "3-gram rep.", "distinct-2", "distinct-3", "log-lik/token", "ppl", "tokens", "ended" })
            table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var (name, r, _) in rows)
        {
            table.AddRow(new Text(name), new Text(r.RepetitionRate3.ToString("F3", c)), new Text(r.Distinct2.ToString("F3", c)),
                new Text(r.Distinct3.ToString("F3", c)), new Text(r.MeanLogLikelihood.ToString("F3", c)), new Text(r.Perplexity.ToString("F2", c)),
                new Text(r.Tokens.ToString(c)), new Text(r.EndedFraction.ToString("P0", c)));
        }
        _console.OutConsole.Write(table);
    }

    private void WriteJson(FileInfo file, BitNetModel model, int prompts, int promptWords, int maxTokens, ulong seed,
                           List<(string Name, SamplingEvaluation Result, TimeSpan Time)> rows)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, s_json))
        {
            writer.WriteStartObject();
            writer.WriteString("file", file.Name);
            writer.WriteString("model", model.ModelId);
            writer.WriteNumber("prompts", prompts);
            writer.WriteNumber("prompt_words", promptWords);
            writer.WriteNumber("max_tokens", maxTokens);
            writer.WriteNumber("seed", seed);
            writer.WriteStartArray("settings");
            foreach (var (name, r, time) in rows)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteNumber("repetition_rate_3", Math.Round(r.RepetitionRate3, 5));
                writer.WriteNumber("distinct_2", Math.Round(r.Distinct2, 5));
                writer.WriteNumber("distinct_3", Math.Round(r.Distinct3, 5));
                writer.WriteNumber("mean_log_likelihood", Math.Round(r.MeanLogLikelihood, 5));
                writer.WriteNumber("perplexity", Math.Round(r.Perplexity, 4));
                writer.WriteNumber("tokens", r.Tokens);
                writer.WriteNumber("ended_fraction", Math.Round(r.EndedFraction, 4));
                writer.WriteNumber("seconds", Math.Round(time.TotalSeconds, 3));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        _console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        _console.Out.Flush();
    }
}
