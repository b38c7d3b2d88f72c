using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Encodings.Web;
using System.Text.Json;
using BitNet.Runtime;
using BitNet.Runtime.Kernels;
using Spectre.Console;

namespace BitNet.Cli.Commands;

/// <summary>
/// <c>bitnet bench [MODEL]</c>: prefill a prompt of random token ids, then decode greedily, several times; prints
/// prefill and decode rates, time to first token, load time, peak RSS and the bytes of weights each decoded token
/// streams (with the bandwidth that implies). Numbers go to stdout (a table or <c>--json</c>), progress to stderr.
/// </summary>
/// <remarks>
/// Like llama-bench's <c>-p P -n N</c> / <c>-gp P,N</c>: the prompt is random ids (seeded), prefill evaluates them all,
/// the first token is the argmax of the last prompt position's logits, and decode then evaluates N more tokens (each the
/// argmax of the previous logits; end-of-sequence does not stop it), at context P..P+N. The context defaults to P + N
/// so the KV cache is what the run needs. One short warm-up pass runs before the timed repetitions.
/// </remarks>
internal sealed class BenchCommand
{
    private static readonly JsonSerializerOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    private readonly CliConsole _console;
    private readonly Argument<string?> _modelPath = new("MODEL")
    {
        Description = "The GGUF file (or use --model). Default: the TinyStories BitNet model that ships next to bitnet.",
        Arity = ArgumentArity.ZeroOrOne,
    };
    private readonly ModelOptions _model = new();
    private readonly Option<int> _prompt = new("--prompt", "-p")
    {
        Description = "Prompt tokens (random ids) evaluated by prefill.",
        HelpName = "N",
        DefaultValueFactory = _ => 128,
    };
    private readonly Option<int> _gen = new("--gen", "-n")
    {
        Description = "Tokens decoded after the prompt (greedy; end-of-sequence does not stop it).",
        HelpName = "N",
        DefaultValueFactory = _ => 64,
    };
    private readonly Option<int?> _threads = new("--threads", "-t")
    {
        Description = "Threads of the forward pass (the caller's included). Default: the physical cores.",
        HelpName = "N",
    };
    private readonly Option<int> _repetitions = new("--repetitions", "-r")
    {
        Description = "Timed runs; the table reports the best and the median.",
        HelpName = "R",
        DefaultValueFactory = _ => 3,
    };
    private readonly Option<string> _kernel = new("--kernel")
    {
        Description = "Ternary kernel path: auto (the fastest this CPU has), scalar, vector128, advsimddot, avx2, avxvnni, avx512 or avx512lookup.",
        HelpName = "PATH",
        DefaultValueFactory = _ => "auto",
    };
    private readonly Option<string> _headKernel = new("--head-kernel")
    {
        Description = "LM head kernel path: auto (the fastest this CPU has for the head's type), scalar, avx2, avxvnni (Q8_0/Q6_K heads) or avx512.",
        HelpName = "PATH",
        DefaultValueFactory = _ => "auto",
    };
    private readonly Option<ulong> _seed = new("--seed", "-s")
    {
        Description = "Seed of the random prompt ids.",
        HelpName = "N",
        DefaultValueFactory = _ => 0,
    };
    private readonly Option<int[]> _depths = new("--depth", "-d")
    {
        Description = "Also measure decode (best of max(3, --repetitions)) after rewinding to each of these positions (comma-separated, each at most --prompt): " +
                      "the KV cache then holds that many prompt tokens, so one long prefill measures decode at several context depths.",
        HelpName = "D[,D...]",
        CustomParser = r => [.. r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                                      .Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : -1)],
    };
    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print one JSON object instead of tables.",
    };

    public BenchCommand(CliConsole console)
    {
        _console = console;
        CommonOptions.Positive(_threads);
        Positive(_prompt);
        Positive(_gen);
        Positive(_repetitions);
        _kernel.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string>(r, out var value);
            if (ParseKernel(value) is null)
                r.AddError($"--kernel must be one of {string.Join(", ", Enum.GetNames<KernelPath>().Select(n => n.ToLowerInvariant()))}, got '{value}'.");
        });
        _headKernel.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string>(r, out var value);
            if (ParseKernel(value) is null)
                r.AddError($"--head-kernel must be one of {string.Join(", ", Enum.GetNames<KernelPath>().Select(n => n.ToLowerInvariant()))}, got '{value}'.");
        });
        _depths.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<int[]>(r, out var values);
            if (values is not null && values.Any(d => d < 1)) r.AddError("--depth takes whole numbers of at least 1, separated by commas (e.g. 256,2048).");
        });
        _model.Model.Description = "The GGUF file (same as the MODEL argument).";
        _model.Context.Description = "Positions of the KV cache. Default: --prompt + --gen (what the run needs).";
    }

    public Command Build()
    {
        var command = new Command("bench",
            "Measure prefill and decode speed, time to first token, load time and peak memory on random prompt ids (like llama-bench).");
        command.Arguments.Add(_modelPath);
        _model.AddTo(command);
        command.Options.Add(_prompt);
        command.Options.Add(_gen);
        command.Options.Add(_threads);
        command.Options.Add(_repetitions);
        command.Options.Add(_kernel);
        command.Options.Add(_headKernel);
        command.Options.Add(_seed);
        command.Options.Add(_depths);
        command.Options.Add(_json);
        command.SetAction((result, cancellationToken) => Task.FromResult(Run(result, cancellationToken)));
        return command;
    }

    internal static KernelPath? ParseKernel(string? value) =>
        Enum.TryParse<KernelPath>(value, ignoreCase: true, out var path) && Enum.IsDefined(path) && !int.TryParse(value, out _) ? path : null;

    private static void Positive(Option<int> option) => option.Validators.Add(r =>
    {
        if (CommonOptions.TryGetValue<int>(r, out var value) && value < 1) r.AddError($"{option.Name} must be at least 1, got {value}.");
    });

    private int Run(ParseResult result, CancellationToken cancellationToken)
    {
        var argumentPath = result.GetValue(_modelPath);
        var optionPath = result.GetValue(_model.Model);
        if (argumentPath is not null && optionPath is not null && argumentPath != optionPath)
            throw new ArgumentException($"Two models were given: '{argumentPath}' (MODEL) and '{optionPath}' (--model); give one.");
        int promptTokens = result.GetValue(_prompt), genTokens = result.GetValue(_gen), repetitions = result.GetValue(_repetitions);
        var modelOptions = _model.Read(result) with
        {
            ModelPath = argumentPath ?? optionPath,
            ContextLength = result.GetValue(_model.Context) ?? checked(promptTokens + genTokens),
            Threads = result.GetValue(_threads),
            KernelPath = ParseKernel(result.GetValue(_kernel)) ?? KernelPath.Auto,
            HeadKernelPath = ParseKernel(result.GetValue(_headKernel)) ?? KernelPath.Auto,
        };
        if (modelOptions.ContextLength < promptTokens + genTokens)
            throw new ArgumentException($"--context {modelOptions.ContextLength} is less than --prompt + --gen = {promptTokens + genTokens}.");
        var depths = result.GetValue(_depths) ?? [];
        foreach (var depth in depths)
            if (depth > promptTokens)
                throw new ArgumentException($"--depth {depth} is more than --prompt {promptTokens}: decode can only be measured after positions the prompt filled.");
        var seed = result.GetValue(_seed);
        var progress = _console.Error;

        progress.WriteLine($"bench: loading {modelOptions.ModelPath ?? "the shipped model"}");
        var clock = Stopwatch.StartNew();
        using var model = BitNetModel.Load(modelOptions);
        var loadTime = clock.Elapsed;
        progress.WriteLine($"bench: loaded in {CommonOptions.Duration(loadTime)}; {model.KernelPath}, {model.Threads} thread(s), KV cache {ModelOptions.Name(model.KvCacheType)}, prompt {promptTokens}, gen {genTokens}, {repetitions} run(s)");

        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        var prompt = new int[promptTokens];
        for (var i = 0; i < prompt.Length; i++) prompt[i] = random.Next(model.Config.VocabularySize);

        using var session = model.CreateSession();
        // Warm-up: a few tokens through prefill and decode, so first-call costs (page faults of the mapped head, lazy
        // initialization, the worker threads waking) stay out of the timed runs.
        Run(session, prompt.AsSpan(0, Math.Min(8, promptTokens)), 2, cancellationToken);

        var runs = new List<BenchRun>(repetitions);
        for (var r = 0; r < repetitions; r++)
        {
            var run = Run(session, prompt, genTokens, cancellationToken);
            runs.Add(run);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: run {r + 1}/{repetitions}: prefill {run.PrefillRate(promptTokens):F1} tok/s, first token {CommonOptions.Duration(run.TimeToFirstToken)}, decode {run.DecodeRate(genTokens):F2} tok/s"));
        }

        // Decode at each depth: the last run left the prompt's keys and values in the cache, so rewinding keeps them.
        // Deepest first: a session rewinds only backwards, and decoding at one depth overwrites positions after it only.
        var depthRuns = new List<(int Depth, TimeSpan Best, TimeSpan Median)>();
        foreach (var depth in depths.Distinct().OrderDescending())
        {
            // At least three repetitions: they are cheap next to the prefill that filled the cache, and the machine is noisy.
            var depthRepetitions = Math.Max(3, repetitions);
            var times = new List<TimeSpan>(depthRepetitions);
            for (var r = 0; r < depthRepetitions; r++)
            {
                session.Rewind(depth);
                var token = prompt[depth - 1];
                var clock2 = Stopwatch.StartNew();
                for (var i = 0; i < genTokens; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    token = TensorPrimitives.IndexOfMax(session.Decode(token));
                }
                times.Add(clock2.Elapsed);
            }
            times.Sort();
            depthRuns.Add((depth, times[0], times[times.Count / 2]));
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench: depth {depth}: decode {genTokens / times[0].TotalSeconds:F2} tok/s (best of {depthRepetitions})"));
        }

        depthRuns.Reverse();
        var report = new BenchReport(model, modelOptions, promptTokens, genTokens, seed, loadTime, session.KvBytesPerToken, runs, PeakResidentBytes())
        {
            DepthRuns = depthRuns,
        };
        if (result.GetValue(_json)) WriteJson(report);
        else WriteTables(report);
        return 0;
    }

    private static BenchRun Run(Runtime.Model.InferenceSession session, ReadOnlySpan<int> prompt, int gen, CancellationToken cancellationToken)
    {
        session.Rewind(0);
        var clock = Stopwatch.StartNew();
        var logits = session.Prefill(prompt, cancellationToken);
        var prefill = clock.Elapsed;
        var token = TensorPrimitives.IndexOfMax(logits);
        var firstToken = clock.Elapsed;
        clock.Restart();
        for (var i = 0; i < gen; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            logits = session.Decode(token);
            token = TensorPrimitives.IndexOfMax(logits);
        }
        return new BenchRun(prefill, firstToken, clock.Elapsed);
    }

    /// <summary>The process's peak resident set: VmHWM on Linux (it counts mapped file pages too), else the peak working set.</summary>
    internal static long PeakResidentBytes()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                    var kb = line["VmHWM:".Length..].Trim();
                    if (kb.EndsWith("kB", StringComparison.Ordinal)) kb = kb[..^2].Trim();
                    if (long.TryParse(kb, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return value * 1024;
                }
            }
            catch (IOException)
            {
                // Fall through to the portable number.
            }
        }
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    private void WriteTables(BenchReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var setup = new Table().Border(TableBorder.Rounded).Title("setup").HideHeaders().AddColumn("field").AddColumn("value");
        void Row(Table table, string name, string value) => table.AddRow(new Text(name), new Text(value));
        Row(setup, "model", $"{r.ModelId} ({r.Path})");
        Row(setup, "architecture / format", $"{r.Architecture} / {r.Format}");
        Row(setup, "kernel", r.Kernel);
        Row(setup, "LM head", $"{r.HeadType} ({(r.HeadTied ? "tied token_embd" : "output.weight")}), {r.HeadKernel} kernel, {Bytes(r.EmbeddingBytes)} / token");
        Row(setup, "threads", r.Threads.ToString(c));
        Row(setup, "act-quant", r.ActivationQuantization);
        Row(setup, "prompt / gen / runs", $"{r.PromptTokens} / {r.GenTokens} / {r.Runs.Count} (seed {r.Seed}, context {r.Context})");
        Row(setup, "load time", CommonOptions.Duration(r.LoadTime));
        Row(setup, "weight bytes / token", $"{Bytes(r.WeightBytesPerToken)} (ternary {Bytes(r.TernaryBytes)} + {r.HeadType} head {Bytes(r.EmbeddingBytes)})");
        Row(setup, "KV cache", r.KvCache);
        Row(setup, "KV bytes / token", Bytes(r.KvBytesPerToken));
        Row(setup, "KV bytes at context", $"{Bytes(r.KvBytesPerToken * r.Context)} ({r.Context} positions)");
        Row(setup, "peak RSS", Bytes(r.PeakResidentBytes));
        _console.OutConsole.Write(setup);

        var results = new Table().Border(TableBorder.Rounded).Title("results").AddColumn("measure")
            .AddColumn(new TableColumn("best").RightAligned()).AddColumn(new TableColumn("median").RightAligned());
        void Result(string name, Func<BenchRun, double> value, bool higherIsBetter, string format)
        {
            var (best, median) = r.Stat(value, higherIsBetter);
            results.AddRow(new Text(name), new Text(best.ToString(format, c)), new Text(median.ToString(format, c)));
        }
        Result("prefill tok/s", x => x.PrefillRate(r.PromptTokens), true, "F1");
        Result("decode tok/s", x => x.DecodeRate(r.GenTokens), true, "F2");
        Result("time to first token ms", x => x.TimeToFirstToken.TotalMilliseconds, false, "F1");
        Result("decode ms/token", x => x.DecodeTime.TotalMilliseconds / r.GenTokens, false, "F2");
        Result("effective decode GB/s", x => x.DecodeRate(r.GenTokens) * r.WeightBytesPerToken / 1e9, true, "F1");
        foreach (var (depth, best, median) in r.DepthRuns)
            results.AddRow(new Text($"decode tok/s at depth {depth}"), new Text((r.GenTokens / best.TotalSeconds).ToString("F2", c)),
                           new Text((r.GenTokens / median.TotalSeconds).ToString("F2", c)));
        _console.OutConsole.Write(results);
    }

    private void WriteJson(BenchReport r)
    {
        object Stat(Func<BenchRun, double> value, bool higherIsBetter, int digits)
        {
            var (best, median) = r.Stat(value, higherIsBetter);
            return new Dictionary<string, double> { ["best"] = Math.Round(best, digits), ["median"] = Math.Round(median, digits) };
        }
        var json = new Dictionary<string, object>
        {
            ["model"] = r.ModelId,
            ["path"] = r.Path,
            ["architecture"] = r.Architecture,
            ["format"] = r.Format,
            ["kernel"] = r.Kernel,
            ["head_type"] = r.HeadType,
            ["head_tied"] = r.HeadTied,
            ["head_kernel"] = r.HeadKernel,
            ["head_bytes_per_token"] = r.EmbeddingBytes,
            ["threads"] = r.Threads,
            ["act_quant"] = r.ActivationQuantization,
            ["prompt_tokens"] = r.PromptTokens,
            ["gen_tokens"] = r.GenTokens,
            ["repetitions"] = r.Runs.Count,
            ["seed"] = r.Seed,
            ["context"] = r.Context,
            ["load_ms"] = Math.Round(r.LoadTime.TotalMilliseconds, 1),
            ["weight_bytes_per_token"] = r.WeightBytesPerToken,
            ["ternary_bytes"] = r.TernaryBytes,
            ["embedding_bytes"] = r.EmbeddingBytes,
            ["kv_cache"] = r.KvCache,
            ["kv_bytes_per_token"] = r.KvBytesPerToken,
            ["kv_bytes_at_context"] = r.KvBytesPerToken * r.Context,
            ["kv_head_dimension"] = r.KvHeadDimension,
            ["decode_at_depth"] = r.DepthRuns.Select(x => new Dictionary<string, double>
            {
                ["depth"] = x.Depth,
                ["best"] = Math.Round(r.GenTokens / x.Best.TotalSeconds, 2),
                ["median"] = Math.Round(r.GenTokens / x.Median.TotalSeconds, 2),
            }).ToArray(),
            ["peak_rss_bytes"] = r.PeakResidentBytes,
            ["prefill_tokens_per_second"] = Stat(x => x.PrefillRate(r.PromptTokens), true, 2),
            ["decode_tokens_per_second"] = Stat(x => x.DecodeRate(r.GenTokens), true, 2),
            ["time_to_first_token_ms"] = Stat(x => x.TimeToFirstToken.TotalMilliseconds, false, 2),
            ["decode_gb_per_second"] = Stat(x => x.DecodeRate(r.GenTokens) * r.WeightBytesPerToken / 1e9, true, 2),
            ["runs"] = r.Runs.Select(x => new Dictionary<string, double>
            {
                ["prefill_ms"] = Math.Round(x.PrefillTime.TotalMilliseconds, 2),
                ["time_to_first_token_ms"] = Math.Round(x.TimeToFirstToken.TotalMilliseconds, 2),
                ["decode_ms"] = Math.Round(x.DecodeTime.TotalMilliseconds, 2),
            }).ToArray(),
        };
        _console.Out.WriteLine(JsonSerializer.Serialize(json, s_json));
    }

    private static string Bytes(long bytes) => string.Create(CultureInfo.InvariantCulture,
        $"{bytes:N0} B ({(bytes >= 1 << 30 ? $"{bytes / (double)(1 << 30):F2} GiB" : bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):F1} MiB" : $"{bytes / 1024.0:F1} KiB")})");

    private readonly record struct BenchRun(TimeSpan PrefillTime, TimeSpan TimeToFirstToken, TimeSpan DecodeTime)
    {
        public double PrefillRate(int tokens) => tokens / Math.Max(PrefillTime.TotalSeconds, 1e-9);

        public double DecodeRate(int tokens) => tokens / Math.Max(DecodeTime.TotalSeconds, 1e-9);
    }

    private sealed class BenchReport
    {
        public BenchReport(BitNetModel model, BitNetModelOptions options, int promptTokens, int genTokens, ulong seed, TimeSpan loadTime,
                           long kvBytesPerToken, IReadOnlyList<BenchRun> runs, long peakResidentBytes)
        {
            ModelId = model.ModelId;
            Path = model.ModelPath;
            Architecture = model.Config.Architecture;
            var projections = model.File.Tensors.Where(t => t.Name.StartsWith("blk.", StringComparison.Ordinal) && t.Dimensions.Count == 2)
                                   .Select(t => t.Type.ToString()).Distinct().ToArray();
            Format = projections.Length > 0 ? string.Join("+", projections) : "?";
            Kernel = model.KernelPath.ToString();
            Threads = model.Threads;
            ActivationQuantization = ModelOptions.Name(options.ActivationQuantization);
            KvCache = ModelOptions.Name(model.KvCacheType);
            KvHeadDimension = model.Config.HeadDimension;
            PromptTokens = promptTokens;
            GenTokens = genTokens;
            Seed = seed;
            Context = model.ContextLength;
            LoadTime = loadTime;
            TernaryBytes = model.Weights.TernaryBytes;
            EmbeddingBytes = model.Weights.Head.ByteCount;
            HeadType = model.Weights.Head.RequantizedFrom is { } from ? $"{model.Weights.Head.Type} (from {from})" : model.Weights.Head.Type.ToString();
            HeadTied = !model.File.HasTensor("output.weight");
            HeadKernel = model.Weights.Head.HeadKernelPath.ToString();
            KvBytesPerToken = kvBytesPerToken;
            Runs = runs;
            PeakResidentBytes = peakResidentBytes;
        }

        public string ModelId { get; }
        public string Path { get; }
        public string Architecture { get; }
        public string Format { get; }
        public string Kernel { get; }
        public int Threads { get; }
        public string ActivationQuantization { get; }
        public string KvCache { get; }
        public int KvHeadDimension { get; }
        public IReadOnlyList<(int Depth, TimeSpan Best, TimeSpan Median)> DepthRuns { get; init; } = [];
        public int PromptTokens { get; }
        public int GenTokens { get; }
        public ulong Seed { get; }
        public int Context { get; }
        public TimeSpan LoadTime { get; }
        public long TernaryBytes { get; }
        /// <summary>The bytes of the LM head table (tied embedding or output.weight): what the head streams per token.</summary>
        public long EmbeddingBytes { get; }
        public string HeadType { get; }
        public bool HeadTied { get; }
        public string HeadKernel { get; }

        /// <summary>The weight bytes one decoded token streams: every packed ternary code plus the LM head table.</summary>
        public long WeightBytesPerToken => TernaryBytes + EmbeddingBytes;
        public long KvBytesPerToken { get; }
        public IReadOnlyList<BenchRun> Runs { get; }
        public long PeakResidentBytes { get; }

        /// <summary>The best (max or min) and the median of a measure over the runs.</summary>
        public (double Best, double Median) Stat(Func<BenchRun, double> value, bool higherIsBetter)
        {
            var values = Runs.Select(value).Order().ToArray();
            var best = higherIsBetter ? values[^1] : values[0];
            var median = values.Length % 2 == 1 ? values[values.Length / 2] : (values[values.Length / 2 - 1] + values[values.Length / 2]) / 2;
            return (best, median);
        }
    }
}
