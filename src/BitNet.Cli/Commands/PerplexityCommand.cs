using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using BitNet.Runtime;
using BitNet.Runtime.Evaluation;
using BitNet.Runtime.Model;
using Spectre.Console;

namespace BitNet.Cli.Commands;

/// <summary>
/// <c>bitnet perplexity FILE</c>: scores a text file by the model card's protocol (see <see cref="PerplexityEvaluator"/>):
/// documents separated by <c>&lt;|endoftext|&gt;</c> lines, each scored as BOS + text + EOS, with a sliding window.
/// </summary>
internal sealed class PerplexityCommand
{
    private readonly CliConsole _console;
    private readonly Argument<FileInfo> _file = new("FILE")
    {
        Description = $"A UTF-8 text file. Lines holding only {PerplexityEvaluator.DocumentSeparator} separate documents; without them the file is one document.",
    };
    private readonly ModelOptions _model = new();
    private readonly Option<int?> _window = new("--window")
    {
        Description = "Positions per evaluation window. Default: the context length.",
        HelpName = "N",
    };
    private readonly Option<int?> _keep = new("--keep")
    {
        Description = "Tokens of context a window keeps when a document is longer than a window. Default: half the window.",
        HelpName = "N",
    };
    private readonly Option<int?> _threads = new("--threads")
    {
        Description = "Documents scored at the same time, one thread each. Default: the number of processors.",
        HelpName = "N",
    };
    private readonly Option<string?> _compareKv = new("--compare-kv")
    {
        Description = "Also compare the --kv-cache type's next-token distributions with this type's (e.g. f32) over the same text: " +
                      "mean KL divergence and how often the most likely token agrees.",
        HelpName = "TYPE",
    };
    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print one JSON object instead of a table.",
    };

    public PerplexityCommand(CliConsole console)
    {
        _console = console;
        CommonOptions.Positive(_window);
        CommonOptions.Positive(_keep);
        CommonOptions.Positive(_threads);
        _compareKv.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string?>(r, out var value);
            if (ModelOptions.ParseKvCache(value) is null)
                r.AddError($"--compare-kv must be one of f32, f16, bf16, fp8, fp8-e4m3, fp8-e5m2, int8, int4; got '{value}'.");
        });
    }

    public Command Build()
    {
        var command = new Command("perplexity",
            "Measure how well the model predicts a text file: tokens, perplexity per token, bits per byte (the model card's protocol).");
        command.Arguments.Add(_file);
        _model.AddTo(command);
        command.Options.Add(_window);
        command.Options.Add(_keep);
        command.Options.Add(_threads);
        command.Options.Add(_compareKv);
        command.Options.Add(_json);
        command.SetAction((result, cancellationToken) => Task.FromResult(Run(result, cancellationToken)));
        return command;
    }

    private int Run(ParseResult result, CancellationToken cancellationToken)
    {
        var file = result.GetValue(_file)!;
        if (!file.Exists) throw new FileNotFoundException($"The text file '{file.FullName}' does not exist.", file.FullName);
        var documents = PerplexityEvaluator.ReadDocuments(file.FullName);
        if (documents.Count == 0) throw new InvalidOperationException($"The text file '{file.FullName}' has no text to score.");

        using var model = BitNetModel.Load(_model.Read(result));
        var evaluator = new PerplexityEvaluator(model, result.GetValue(_window), result.GetValue(_keep),
                                                result.GetValue(_threads) ?? Environment.ProcessorCount);
        var perplexity = Evaluate(evaluator, documents, cancellationToken);
        KvCacheComparisonResult? comparison = null;
        if (ModelOptions.ParseKvCache(result.GetValue(_compareKv)) is { } reference)
        {
            _console.Error.WriteLine($"perplexity: comparing the {ModelOptions.Name(model.KvCacheType)} KV cache with {ModelOptions.Name(reference)}");
            comparison = new KvCacheComparison(model, reference, model.KvCacheType, result.GetValue(_window), result.GetValue(_keep),
                                               evaluator.MaxDegreeOfParallelism).Compare(documents, cancellationToken);
        }

        var actQuant = ModelOptions.Name(model.Options.ActivationQuantization);
        if (result.GetValue(_json)) WriteJson(file, model, actQuant, perplexity, comparison);
        else WriteTable(file, model, evaluator, actQuant, perplexity, comparison);
        return 0;
    }

    private PerplexityResult Evaluate(PerplexityEvaluator evaluator, IReadOnlyList<string> documents, CancellationToken cancellationToken)
    {
        var console = _console.ErrorConsole;
        if (!console.Profile.Capabilities.Interactive)
            return evaluator.Evaluate(documents, cancellationToken: cancellationToken);

        PerplexityResult? result = null;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask("scoring", maxValue: documents.Count);
                result = evaluator.Evaluate(documents, progress =>
                {
                    task.Value = progress.DocumentsDone;
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"scoring: ppl {progress.Perplexity:F2} after {progress.Tokens:N0} tokens");
                }, cancellationToken);
            });
        return result!;
    }

    private void WriteTable(FileInfo file, BitNetModel model, PerplexityEvaluator evaluator, string actQuant, PerplexityResult r, KvCacheComparisonResult? k)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        void Row(string name, string value) => table.AddRow(new Text(name), new Text(value));
        var c = CultureInfo.InvariantCulture;
        Row("file", file.Name);
        Row("model", model.ModelId);
        Row("act-quant", actQuant);
        Row("kv-cache", ModelOptions.Name(model.KvCacheType));
        Row("documents", r.Documents.ToString("N0", c));
        Row("tokens", r.Tokens.ToString("N0", c));
        Row("bytes", r.Bytes.ToString("N0", c));
        Row("window / keep", $"{r.WindowLength} / {r.KeptContext}");
        Row("threads", evaluator.MaxDegreeOfParallelism.ToString(c));
        Row("nll/token", r.NllPerToken.ToString("F4", c));
        Row("perplexity", r.Perplexity.ToString("F3", c));
        Row("bits/byte", r.BitsPerByte.ToString("F4", c));
        Row("time", CommonOptions.Duration(r.Elapsed));
        Row("positions/s", r.PositionsPerSecond.ToString("F0", c));
        if (k is not null)
        {
            Row($"mean KL vs {ModelOptions.Name(k.Reference)} (nats)", k.MeanKullbackLeibler.ToString("G4", c));
            Row($"top-1 agreement vs {ModelOptions.Name(k.Reference)}", k.TopTokenAgreement.ToString("P3", c));
            Row($"perplexity with {ModelOptions.Name(k.Reference)}", k.ReferencePerplexity.ToString("F3", c));
        }
        _console.OutConsole.Write(table);
    }

    private void WriteJson(FileInfo file, BitNetModel model, string actQuant, PerplexityResult r, KvCacheComparisonResult? k)
    {
        var fields = new Dictionary<string, object>
        {
            ["kv_cache"] = ModelOptions.Name(model.KvCacheType),
            ["file"] = file.FullName,
            ["model"] = model.ModelId,
            ["act_quant"] = actQuant,
            ["documents"] = r.Documents,
            ["tokens"] = r.Tokens,
            ["bytes"] = r.Bytes,
            ["window"] = r.WindowLength,
            ["keep"] = r.KeptContext,
            ["total_nll"] = r.TotalNll,
            ["nll_per_token"] = r.NllPerToken,
            ["perplexity"] = r.Perplexity,
            ["bits_per_byte"] = r.BitsPerByte,
            ["seconds"] = Math.Round(r.Elapsed.TotalSeconds, 3),
            ["positions_per_second"] = Math.Round(r.PositionsPerSecond, 1),
        };
        if (k is not null)
        {
            fields["compare_kv"] = ModelOptions.Name(k.Reference);
            fields["mean_kl"] = k.MeanKullbackLeibler;
            fields["top1_agreement"] = k.TopTokenAgreement;
            fields["reference_perplexity"] = k.ReferencePerplexity;
        }
        _console.Out.WriteLine(JsonSerializer.Serialize(fields, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }
}
