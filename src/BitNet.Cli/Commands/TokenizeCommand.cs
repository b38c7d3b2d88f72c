using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using BitNet.Extensions.AI;
using BitNet.Runtime;
using BitNet.Runtime.Evaluation;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Tokenization;
using Spectre.Console;

namespace BitNet.Cli.Commands;

/// <summary>
/// <c>bitnet tokenize FILE…</c>: the token ids of text files, or with <c>--stats</c> how they tokenize (bytes, tokens,
/// byte-fallback tokens) before and after the <c>IChatClient</c> pipeline's text preprocessing
/// (<see cref="BitNetTextPreprocessor"/>), per file and in total. Each document (files split at
/// <c>&lt;|endoftext|&gt;</c> lines) is preprocessed as one message would be.
/// </summary>
internal sealed class TokenizeCommand
{
    private readonly CliConsole _console;
    private readonly Argument<FileInfo[]> _files = new("FILE")
    {
        Description = $"UTF-8 text files (each a corpus part). Lines holding only {PerplexityEvaluator.DocumentSeparator} separate documents.",
        Arity = ArgumentArity.OneOrMore,
    };
    private readonly Option<string?> _model = new("--model", "-m")
    {
        Description = "The GGUF model whose tokenizer is used. Default: the TinyStories BitNet model that ships next to bitnet.",
        HelpName = "PATH",
    };
    private readonly Option<bool> _stats = new("--stats")
    {
        Description = "Print bytes, tokens, byte-fallback tokens, the byte-token rate and tokens per byte before and after preprocessing, per file and in total.",
    };
    private readonly Option<bool> _preprocess = new("--preprocess")
    {
        Description = "Without --stats: tokenize the preprocessed text instead of the text as it is.",
    };
    private readonly Option<string> _emoji = new("--emoji")
    {
        Description = "Emoji handling of the preprocessing: keep, collapse (runs longer than 3, the default), remove or replace (by a space).",
        HelpName = "keep|collapse|remove|replace",
        DefaultValueFactory = _ => "collapse",
    };
    private readonly Option<bool> _json = new("--json")
    {
        Description = "With --stats: print one JSON object instead of a table.",
    };

    public TokenizeCommand(CliConsole console)
    {
        _console = console;
        _emoji.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string>(r, out var value);
            if (!Enum.TryParse<EmojiHandling>(value, ignoreCase: true, out _) || int.TryParse(value, out _))
                r.AddError($"--emoji must be one of keep, collapse, remove, replace; got '{value}'.");
        });
    }

    public Command Build()
    {
        var command = new Command("tokenize",
            "Show how text files tokenize: their token ids, or with --stats the byte-fallback rate before and after input preprocessing.");
        command.Arguments.Add(_files);
        command.Options.Add(_model);
        command.Options.Add(_stats);
        command.Options.Add(_preprocess);
        command.Options.Add(_emoji);
        command.Options.Add(_json);
        command.SetAction((result, cancellationToken) => Task.FromResult(Run(result, cancellationToken)));
        return command;
    }

    private int Run(ParseResult result, CancellationToken cancellationToken)
    {
        var files = result.GetValue(_files)!;
        foreach (var file in files)
            if (!file.Exists) throw new FileNotFoundException($"The text file '{file.FullName}' does not exist.", file.FullName);

        BitNetTokenizer tokenizer;
        using (var gguf = GgufFile.Open(DefaultModel.Resolve(result.GetValue(_model))))
            tokenizer = BitNetTokenizer.FromGguf(gguf);
        var preprocessor = new BitNetTextPreprocessor(new BitNetPreprocessingOptions
        {
            EmojiHandling = Enum.Parse<EmojiHandling>(result.GetValue(_emoji)!, ignoreCase: true),
        });

        if (!result.GetValue(_stats))
        {
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var document in PerplexityEvaluator.ReadDocuments(file.FullName))
                {
                    var text = result.GetValue(_preprocess) ? preprocessor.Process(document) : document;
                    _console.Out.WriteLine(string.Join(' ', tokenizer.Encode(text, addBos: false)));
                }
            }
            return 0;
        }

        var rows = new List<(string Part, ByteFallbackStatistics Before, ByteFallbackStatistics After)>();
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ByteFallbackStatistics before = default, after = default;
            foreach (var document in PerplexityEvaluator.ReadDocuments(file.FullName))
            {
                before += ByteFallbackStatistics.Measure(tokenizer, document);
                after += ByteFallbackStatistics.Measure(tokenizer, preprocessor.Process(document));
            }
            rows.Add((file.Name, before, after));
        }
        rows.Add(("total", Sum(rows, r => r.Before), Sum(rows, r => r.After)));

        if (!BitNetTextPreprocessor.NormalizationAvailable)
            _console.Error.WriteLine("note: Unicode normalization is unavailable in this process (invariant globalization); the NFC step did nothing.");
        if (result.GetValue(_json)) WriteJson(rows);
        else WriteTable(rows);
        return 0;
    }

    private static ByteFallbackStatistics Sum<T>(List<T> rows, Func<T, ByteFallbackStatistics> select)
    {
        ByteFallbackStatistics total = default;
        foreach (var row in rows) total += select(row);
        return total;
    }

    private void WriteTable(List<(string Part, ByteFallbackStatistics Before, ByteFallbackStatistics After)> rows)
    {
        var c = CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Rounded).AddColumn("part");
        foreach (var name in new[] { "bytes", "tokens", "byte tokens", "byte-token rate", "tokens/byte" })
            table.AddColumn(new TableColumn(name + " before → after").RightAligned());
        foreach (var (part, before, after) in rows)
            table.AddRow(
                new Text(part),
                new Text($"{before.Bytes.ToString("N0", c)} → {after.Bytes.ToString("N0", c)}"),
                new Text($"{before.Tokens.ToString("N0", c)} → {after.Tokens.ToString("N0", c)}"),
                new Text($"{before.ByteTokens.ToString("N0", c)} → {after.ByteTokens.ToString("N0", c)}"),
                new Text($"{before.ByteTokenRate.ToString("P1", c)} → {after.ByteTokenRate.ToString("P1", c)}"),
                new Text($"{before.TokensPerByte.ToString("F3", c)} → {after.TokensPerByte.ToString("F3", c)}"));
        _console.OutConsole.Write(table);
    }

    private void WriteJson(List<(string Part, ByteFallbackStatistics Before, ByteFallbackStatistics After)> rows)
    {
        static Dictionary<string, object> Fields(ByteFallbackStatistics s) => new()
        {
            ["bytes"] = s.Bytes,
            ["tokens"] = s.Tokens,
            ["byte_tokens"] = s.ByteTokens,
            ["byte_token_rate"] = Math.Round(s.ByteTokenRate, 4),
            ["tokens_per_byte"] = Math.Round(s.TokensPerByte, 4),
        };
        var parts = rows.Select(r => new Dictionary<string, object> { ["part"] = r.Part, ["before"] = Fields(r.Before), ["after"] = Fields(r.After) });
        var document = new Dictionary<string, object>
        {
            ["normalization_available"] = BitNetTextPreprocessor.NormalizationAvailable,
            ["parts"] = parts,
        };
        _console.Out.WriteLine(JsonSerializer.Serialize(document, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }
}
