using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using BitNet.Runtime.Model;
using BitNet.Runtime.Synthesis;
using Spectre.Console;

namespace BitNet.Cli.Commands;

/// <summary>
/// <c>bitnet synth --shape 2b4t|tiny --format i2_s|tq2_0|tq1_0|f16 [--head f16|q8_0|q6_k] -o FILE</c>: writes a GGUF with real shapes and
/// metadata and random ternary weights (<see cref="SyntheticModel"/>), to measure speed and memory at full size.
/// </summary>
internal sealed class SynthCommand
{
    private readonly CliConsole _console;
    private readonly Option<string> _shape = new("--shape")
    {
        Description = "The model's shapes: 2b4t (bitnet-b1.58-2B-4T: vocab 128256, 2560 hidden, 30 layers, 20/5 heads, FFN 6912) or tiny (the shipped TinyStories model's).",
        HelpName = "2b4t|tiny",
        DefaultValueFactory = _ => "2b4t",
    };
    private readonly Option<string> _format = new("--format", "-f")
    {
        Description = "The storage type of the ternary projections: i2_s (bitnet.cpp), tq2_0, tq1_0 (ggml) or f16 ({-s, 0, +s} masters).",
        HelpName = "i2_s|tq2_0|tq1_0|f16",
        DefaultValueFactory = _ => "i2_s",
    };
    private readonly Option<string> _head = new("--head")
    {
        Description = "The storage type of token_embd.weight, the tied LM head: f16, q8_0 or q6_k (encoded from the same F16 values).",
        HelpName = "f16|q8_0|q6_k",
        DefaultValueFactory = _ => "f16",
    };
    private readonly Option<string> _output = new("--output", "-o")
    {
        Description = "The GGUF file to write (overwritten). It is written to FILE.partial first and renamed when complete.",
        HelpName = "FILE",
        Required = true,
    };
    private readonly Option<string> _arch = new("--arch")
    {
        Description = "general.architecture: bitnet-25 (ik_llama.cpp and bitnet.cpp load it as 2B4T), bitnet-b1.58 or bitnet.",
        HelpName = "NAME",
        DefaultValueFactory = _ => "bitnet-25",
    };
    private readonly Option<ulong> _seed = new("--seed", "-s")
    {
        Description = "Seed of the random weights: the same seed, shape and format give the same bytes; the formats of one seed hold the same model.",
        HelpName = "N",
        DefaultValueFactory = _ => 0,
    };
    private readonly Option<string?> _vocab = new("--vocab")
    {
        Description = "The tokenizer vocabulary: bpe (byte-level BPE with Llama-3 special tokens, tokenizer.ggml.model = gpt2) or spm (SentencePiece). Default: the shape's (bpe for 2b4t, spm for tiny).",
        HelpName = "bpe|spm",
    };
    private readonly Option<int?> _context = new("--context", "-c")
    {
        Description = "The context length written to the file. Default: the shape's (4096 for 2b4t, 256 for tiny).",
        HelpName = "N",
    };

    public SynthCommand(CliConsole console)
    {
        _console = console;
        CommonOptions.Positive(_context);
        _shape.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string>(r, out var value);
            if (SyntheticModelShape.FromName(value) is null)
                r.AddError($"--shape must be one of {string.Join(", ", SyntheticModelShape.Known.Select(s => s.Name))}, got '{value}'.");
        });
        _format.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string>(r, out var value);
            if (SyntheticModel.ParseFormat(value) is null)
                r.AddError($"--format must be one of {string.Join(", ", SyntheticModelOptions.SupportedFormats.Select(SyntheticModel.FormatName))}, got '{value}'.");
        });
        _head.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string>(r, out var value);
            if (SyntheticModel.ParseHeadFormat(value) is null)
                r.AddError($"--head must be one of {string.Join(", ", SyntheticModelOptions.SupportedHeadFormats.Select(SyntheticModel.FormatName))}, got '{value}'.");
        });
        _vocab.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string?>(r, out var value);
            if (ParseVocabulary(value) is null && value is not null)
                r.AddError($"--vocab must be bpe or spm, got '{value}'.");
        });
        _arch.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string>(r, out var value);
            if (value is null || !BitNetConfig.SupportedArchitectures.Contains(value))
                r.AddError($"--arch must be one of {string.Join(", ", BitNetConfig.SupportedArchitectures)}, got '{value}'.");
        });
    }

    public Command Build()
    {
        var command = new Command("synth", "Write a GGUF with real BitNet b1.58 shapes and metadata and random ternary weights, to benchmark at full size.");
        command.Options.Add(_shape);
        command.Options.Add(_format);
        command.Options.Add(_head);
        command.Options.Add(_output);
        command.Options.Add(_arch);
        command.Options.Add(_seed);
        command.Options.Add(_vocab);
        command.Options.Add(_context);
        command.SetAction((result, cancellationToken) => Task.FromResult(Run(result, cancellationToken)));
        return command;
    }

    private int Run(ParseResult result, CancellationToken cancellationToken)
    {
        var options = new SyntheticModelOptions
        {
            Shape = SyntheticModelShape.FromName(result.GetValue(_shape))!,
            Format = SyntheticModel.ParseFormat(result.GetValue(_format))!.Value,
            HeadFormat = SyntheticModel.ParseHeadFormat(result.GetValue(_head))!.Value,
            Architecture = result.GetValue(_arch)!,
            Seed = result.GetValue(_seed),
            ContextLength = result.GetValue(_context),
            Vocabulary = ParseVocabulary(result.GetValue(_vocab)),
        };
        var path = Path.GetFullPath(result.GetValue(_output)!);
        var model = new SyntheticModel(options);
        var name = $"{options.Shape.Name} {SyntheticModel.FormatName(options.Format)}, {SyntheticModel.FormatName(options.HeadFormat)} head";
        var c = CultureInfo.InvariantCulture;

        var clock = Stopwatch.StartNew();
        SynthesisProgress last = default;
        var console = _console.ErrorConsole;
        if (console.Profile.Capabilities.Interactive)
        {
            console.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(context =>
                {
                    var task = context.AddTask($"synth {name}", maxValue: 1);
                    model.WriteFile(path, new SyncProgress(p =>
                    {
                        last = p;
                        task.MaxValue = p.TotalBytes;
                        task.Value = p.BytesWritten;
                    }), cancellationToken);
                });
        }
        else
        {
            _console.Error.WriteLine($"synth {name} (arch {options.Architecture}, seed {options.Seed}) -> {path}");
            model.WriteFile(path, new SyncProgress(p => last = p), cancellationToken);
        }
        var elapsed = clock.Elapsed;

        _console.Out.WriteLine(string.Create(c,
            $"wrote {path}: {last.BytesWritten:N0} bytes, {last.TensorCount} tensors ({name}, arch {options.Architecture}, vocab {(options.VocabularyKind == SyntheticVocabularyKind.ByteLevel ? "bpe" : "spm")}, seed {options.Seed}, context {model.ContextLength}) " +
            $"in {CommonOptions.Duration(elapsed)} ({last.BytesWritten / 1e6 / Math.Max(elapsed.TotalSeconds, 1e-9):F0} MB/s)"));
        return 0;
    }

    private static SyntheticVocabularyKind? ParseVocabulary(string? name) => name?.ToLowerInvariant() switch
    {
        "bpe" => SyntheticVocabularyKind.ByteLevel,
        "spm" => SyntheticVocabularyKind.SentencePiece,
        _ => null,
    };

    /// <summary>Reports on the writing thread (<see cref="Progress{T}"/> would post to the thread pool, out of order).</summary>
    private sealed class SyncProgress(Action<SynthesisProgress> report) : IProgress<SynthesisProgress>
    {
        public void Report(SynthesisProgress value) => report(value);
    }
}
