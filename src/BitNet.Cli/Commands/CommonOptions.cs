using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using BitNet.Runtime;
using BitNet.Runtime.Generation;
using BitNet.Runtime.KvCache;
using BitNet.Runtime.Model;
using BitNet.Runtime.Sampling;

namespace BitNet.Cli.Commands;

/// <summary>The options every model-running command shares: which model, how to run it.</summary>
internal sealed class ModelOptions
{
    public Option<string?> Model { get; } = new("--model", "-m")
    {
        Description = "The GGUF model file. Default: the TinyStories BitNet model that ships next to bitnet.",
        HelpName = "PATH",
    };

    public Option<string> ActivationQuantization { get; } = new("--act-quant")
    {
        Description = "BitLinear input handling: int8 (per-token int8, the training semantics), int8-block (int8 with a scale per " +
                      "256-element block, ggml's Q8_K: what llama.cpp computes on TQ1_0/TQ2_0 weights) or none (float, what llama.cpp " +
                      "computes on F16 weights).",
        HelpName = "none|int8|int8-block",
        DefaultValueFactory = _ => "int8",
    };

    public Option<int?> Context { get; } = new("--context", "-c")
    {
        Description = "Positions per sequence. Default: the model's trained context length (the most it allows).",
        HelpName = "N",
    };

    public Option<string> KvCache { get; } = new("--kv-cache")
    {
        Description = "Precision of the KV cache: f32 (exact, the default), f16, bf16, fp8 (= fp8-e4m3), fp8-e5m2, int8 (a scale per head " +
                      "per token) or int4 (a scale per 32 elements). Smaller types hold fewer bytes per token at some accuracy cost.",
        HelpName = "f32|f16|bf16|fp8|fp8-e4m3|fp8-e5m2|int8|int4",
        DefaultValueFactory = _ => "f32",
    };

    public Option<string> HeadQuantization { get; } = new("--head-quant")
    {
        Description = "What the LM head multiplies: as-stored (the file's table, exact; the default) or int8 (a float head re-encoded as " +
                      "Q8_0 at load: about half the bytes a token reads on F16-head models, at a small measured cost in logits).",
        HelpName = "as-stored|int8",
        DefaultValueFactory = _ => "as-stored",
    };

    public ModelOptions()
    {
        CommonOptions.Positive(Context);
        HeadQuantization.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string>(r, out var value);
            if (ParseHeadQuantization(value) is null) r.AddError($"--head-quant must be 'as-stored' or 'int8', got '{value}'.");
        });
        KvCache.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string>(r, out var value);
            if (ParseKvCache(value) is null)
                r.AddError($"--kv-cache must be one of f32, f16, bf16, fp8, fp8-e4m3, fp8-e5m2, int8, int4; got '{value}'.");
        });
        ActivationQuantization.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string>(r, out var value);
            if (ParseActivationQuantization(value) is null) r.AddError($"--act-quant must be 'none', 'int8' or 'int8-block', got '{value}'.");
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(ActivationQuantization);
        command.Options.Add(Context);
        command.Options.Add(KvCache);
        command.Options.Add(HeadQuantization);
    }

    public BitNetModelOptions Read(ParseResult result) => new()
    {
        ModelPath = result.GetValue(Model),
        ActivationQuantization = ParseActivationQuantization(result.GetValue(ActivationQuantization))
                                 ?? throw new ArgumentException("--act-quant must be 'none', 'int8' or 'int8-block'."),
        ContextLength = result.GetValue(Context),
        KvCache = ParseKvCache(result.GetValue(KvCache)) ?? throw new ArgumentException("--kv-cache must be one of f32, f16, bf16, fp8, fp8-e4m3, fp8-e5m2, int8, int4."),
        HeadQuantization = ParseHeadQuantization(result.GetValue(HeadQuantization)) ?? throw new ArgumentException("--head-quant must be 'as-stored' or 'int8'."),
    };

    /// <summary>The head quantization a command-line value names, or null when it names none.</summary>
    public static HeadQuantization? ParseHeadQuantization(string? value) => value?.ToLowerInvariant().Replace('_', '-') switch
    {
        "as-stored" or "asstored" or "none" or "off" => Runtime.Model.HeadQuantization.AsStored,
        "int8" or "q8" or "q8-0" => Runtime.Model.HeadQuantization.Int8,
        _ => null,
    };

    /// <summary>The KV cache type a command-line value names, or null when it names none.</summary>
    public static KvCacheType? ParseKvCache(string? value) => value?.ToLowerInvariant().Replace('_', '-') switch
    {
        "f32" or "fp32" or "float" => KvCacheType.F32,
        "f16" or "fp16" or "half" => KvCacheType.F16,
        "bf16" => KvCacheType.BF16,
        "fp8" or "fp8-e4m3" or "e4m3" or "fp8e4m3" => KvCacheType.Fp8E4M3,
        "fp8-e5m2" or "e5m2" or "fp8e5m2" => KvCacheType.Fp8E5M2,
        "int8" or "q8" => KvCacheType.Int8,
        "int4" or "q4" => KvCacheType.Int4,
        _ => null,
    };

    /// <summary>The command-line name of a KV cache type.</summary>
    public static string Name(KvCacheType value) => value switch
    {
        KvCacheType.F16 => "f16",
        KvCacheType.BF16 => "bf16",
        KvCacheType.Fp8E4M3 => "fp8-e4m3",
        KvCacheType.Fp8E5M2 => "fp8-e5m2",
        KvCacheType.Int8 => "int8",
        KvCacheType.Int4 => "int4",
        _ => "f32",
    };

    /// <summary>The activation handling a command-line value names, or null when it names none.</summary>
    public static ActivationQuantization? ParseActivationQuantization(string? value) => value?.ToLowerInvariant() switch
    {
        "none" or "off" or "float" => Runtime.Model.ActivationQuantization.None,
        "int8" or "int8pertoken" or "int8-per-token" => Runtime.Model.ActivationQuantization.Int8PerToken,
        "int8-block" or "int8perblock" or "int8-per-block" or "q8_k" => Runtime.Model.ActivationQuantization.Int8PerBlock,
        _ => null,
    };

    /// <summary>The command-line name of an activation handling.</summary>
    public static string Name(ActivationQuantization value) => value switch
    {
        Runtime.Model.ActivationQuantization.None => "none",
        Runtime.Model.ActivationQuantization.Int8PerBlock => "int8-block",
        _ => "int8",
    };
}

/// <summary>How the next token is chosen, and how much to generate.</summary>
internal sealed class GenerationCliOptions
{
    public Option<int?> MaxTokens { get; } = new("--max-tokens", "-n")
    {
        Description = "The most tokens to generate. Default: the rest of the context.",
        HelpName = "N",
    };

    public Option<float> Temperature { get; } = new("--temperature", "-t")
    {
        Description = "Sampling temperature; 0 is greedy decoding (argmax), which makes the filters irrelevant and the default " +
                      "--repeat-penalty off (an explicit penalty still applies).",
        HelpName = "T",
        DefaultValueFactory = _ => SamplingOptions.Adaptive.Temperature,
    };

    public Option<int> TopK { get; } = new("--top-k")
    {
        Description = "Keep only the K most likely tokens; 0 turns the filter off.",
        HelpName = "K",
        DefaultValueFactory = _ => SamplingOptions.Adaptive.TopK,
    };

    public Option<float> TopP { get; } = new("--top-p")
    {
        Description = "Nucleus sampling: keep the most likely tokens whose probabilities add up to P, in (0, 1]; 1 turns the filter off.",
        HelpName = "P",
        DefaultValueFactory = _ => SamplingOptions.Adaptive.TopP,
    };

    public Option<float> MinP { get; } = new("--min-p")
    {
        Description = "Keep only tokens at least P times as likely as the most likely one, in [0, 1); 0 turns the filter off.",
        HelpName = "P",
        DefaultValueFactory = _ => 0f,
    };

    public Option<float> TopNSigma { get; } = new("--top-n-sigma")
    {
        Description = "Keep only tokens whose logit is within N standard deviations (of the candidates' logits, before temperature) " +
                      "of the largest; 0 turns the filter off, 2 is usual.",
        HelpName = "N",
        DefaultValueFactory = _ => SamplingOptions.Adaptive.TopNSigma,
    };

    public Option<int> MinKeep { get; } = new("--min-keep")
    {
        Description = "Top-p never keeps fewer than this many tokens (1 to 256).",
        HelpName = "N",
        DefaultValueFactory = _ => SamplingOptions.Adaptive.MinKeep,
    };

    public Option<float> RepeatPenalty { get; } = new("--repeat-penalty")
    {
        Description = "Repetition penalty on the tokens of the last --repeat-last-n (prompt included): positive logits divided by it, " +
                      "negative ones multiplied; 1 turns it off.",
        HelpName = "R",
        DefaultValueFactory = _ => SamplingOptions.Adaptive.RepetitionPenalty,
    };

    public Option<int> RepeatLastN { get; } = new("--repeat-last-n")
    {
        Description = "How many recent tokens --repeat-penalty looks at (1 to 131072).",
        HelpName = "N",
        DefaultValueFactory = _ => SamplingOptions.Adaptive.RepetitionPenaltyWindow,
    };

    public Option<float> FrequencyPenalty { get; } = new("--frequency-penalty")
    {
        Description = "Subtracted from a token's logit per time it was already generated, in [-2, 2]; 0 turns it off.",
        HelpName = "F",
        DefaultValueFactory = _ => 0f,
    };

    public Option<float> PresencePenalty { get; } = new("--presence-penalty")
    {
        Description = "Subtracted once from the logit of every token already generated, in [-2, 2]; 0 turns it off.",
        HelpName = "P",
        DefaultValueFactory = _ => 0f,
    };

    public Option<ulong?> Seed { get; } = new("--seed", "-s")
    {
        Description = "Seed of the sampler's random numbers: the same seed, prompt and options give the same text. Default: random.",
        HelpName = "N",
    };

    public Option<string[]> Stop { get; } = new("--stop")
    {
        Description = @"Stop when this text appears (not printed). Repeatable. \n, \t and \\ are unescaped.",
        HelpName = "TEXT",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string> Overflow { get; } = new("--overflow")
    {
        Description = "When the prompt or --max-tokens does not fit in the context: error (fail before generating; without " +
                      "--max-tokens generation stops at a full context) or sliding-window (keep the beginning of the prompt, " +
                      "--sink tokens, and the most recent tokens; drop the middle and re-evaluate the kept recent half).",
        HelpName = "error|sliding-window",
        DefaultValueFactory = _ => "error",
    };

    public Option<int?> Sink { get; } = new("--sink")
    {
        Description = "With --overflow sliding-window: leading tokens that are always kept (with <s>). Default: the whole " +
                      "prompt, at most half the context.",
        HelpName = "N",
    };

    public GenerationCliOptions()
    {
        CommonOptions.Positive(MaxTokens);
        Overflow.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string>(r, out var value);
            if (ParseOverflow(value) is null) r.AddError($"--overflow must be 'error' or 'sliding-window', got '{value}'.");
        });
        Sink.Validators.Add(r =>
        {
            if (CommonOptions.TryGetValue<int?>(r, out var value) && value is < 0) r.AddError($"--sink must be >= 0, got {value}.");
        });
        Temperature.Validators.Add(r =>
        {
            if (CommonOptions.TryGetValue<float>(r, out var t) && !(t >= 0 && float.IsFinite(t))) r.AddError($"--temperature must be a finite number >= 0 (0 is greedy), got {Format(t)}.");
        });
        TopK.Validators.Add(r =>
        {
            if (CommonOptions.TryGetValue<int>(r, out var k) && k < 0) r.AddError($"--top-k must be >= 0 (0 turns it off), got {k}.");
        });
        TopP.Validators.Add(r =>
        {
            if (CommonOptions.TryGetValue<float>(r, out var p) && !(p > 0 && p <= 1)) r.AddError($"--top-p must be in (0, 1] (1 turns it off), got {Format(p)}.");
        });
        MinP.Validators.Add(r =>
        {
            if (CommonOptions.TryGetValue<float>(r, out var p) && !(p >= 0 && p < 1)) r.AddError($"--min-p must be in [0, 1) (0 turns it off), got {Format(p)}.");
        });
        TopNSigma.Validators.Add(r =>
        {
            if (CommonOptions.TryGetValue<float>(r, out var n) && !(n >= 0 && float.IsFinite(n))) r.AddError($"--top-n-sigma must be a finite number >= 0 (0 turns it off), got {Format(n)}.");
        });
        MinKeep.Validators.Add(r =>
        {
            if (CommonOptions.TryGetValue<int>(r, out var n) && n is < 1 or > SamplingOptions.MaxMinKeep) r.AddError($"--min-keep must be 1 to {SamplingOptions.MaxMinKeep}, got {n}.");
        });
        RepeatPenalty.Validators.Add(r =>
        {
            if (CommonOptions.TryGetValue<float>(r, out var x) && !(x > 0 && float.IsFinite(x))) r.AddError($"--repeat-penalty must be a finite number > 0 (1 turns it off), got {Format(x)}.");
        });
        RepeatLastN.Validators.Add(r =>
        {
            if (CommonOptions.TryGetValue<int>(r, out var n) && n is < 1 or > SamplingOptions.MaxRepetitionPenaltyWindow)
                r.AddError($"--repeat-last-n must be 1 to {SamplingOptions.MaxRepetitionPenaltyWindow}, got {n}.");
        });
        foreach (var penalty in new[] { FrequencyPenalty, PresencePenalty })
        {
            penalty.Validators.Add(r =>
            {
                if (CommonOptions.TryGetValue<float>(r, out var x) && !(x >= -SamplingOptions.MaxPenalty && x <= SamplingOptions.MaxPenalty))
                    r.AddError($"{penalty.Name} must be in [-2, 2] (0 turns it off), got {Format(x)}.");
            });
        }
        Stop.Validators.Add(r =>
        {
            CommonOptions.TryGetValue<string[]>(r, out var stops);
            foreach (var s in stops ?? [])
                if (s.Length == 0) r.AddError("--stop needs a non-empty text.");
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(MaxTokens);
        command.Options.Add(Temperature);
        command.Options.Add(TopK);
        command.Options.Add(TopP);
        command.Options.Add(MinP);
        command.Options.Add(TopNSigma);
        command.Options.Add(MinKeep);
        command.Options.Add(RepeatPenalty);
        command.Options.Add(RepeatLastN);
        command.Options.Add(FrequencyPenalty);
        command.Options.Add(PresencePenalty);
        command.Options.Add(Seed);
        command.Options.Add(Stop);
        command.Options.Add(Overflow);
        command.Options.Add(Sink);
    }

    /// <summary>The overflow policy of the command line; <see cref="ReadOverflow"/>'s value is validated by the parser.</summary>
    public ContextOverflowPolicy ReadOverflow(ParseResult result) =>
        ParseOverflow(result.GetValue(Overflow)) ?? throw new ArgumentException("--overflow must be 'error' or 'sliding-window'.");

    /// <summary>The policy a command-line value names, or null when it names none.</summary>
    public static ContextOverflowPolicy? ParseOverflow(string? value) => value?.ToLowerInvariant() switch
    {
        "error" => ContextOverflowPolicy.Error,
        "sliding-window" or "slidingwindow" or "sliding" => ContextOverflowPolicy.SlidingWindow,
        _ => null,
    };

    /// <summary>
    /// The sampling options of the command line: the adaptive sampler unless options say otherwise. Greedy decoding
    /// (--temperature 0) drops the default repetition penalty (it is part of the sampling default) but keeps one given
    /// explicitly.
    /// </summary>
    public SamplingOptions ReadSampling(ParseResult result) => new()
    {
        Temperature = result.GetValue(Temperature),
        RepetitionPenalty = result.GetValue(Temperature) == 0f && result.GetResult(RepeatPenalty) is null or { Implicit: true }
            ? 1f
            : result.GetValue(RepeatPenalty),
        TopK = result.GetValue(TopK),
        TopP = result.GetValue(TopP),
        MinP = result.GetValue(MinP),
        TopNSigma = result.GetValue(TopNSigma),
        MinKeep = result.GetValue(MinKeep),
        RepetitionPenaltyWindow = result.GetValue(RepeatLastN),
        FrequencyPenalty = result.GetValue(FrequencyPenalty),
        PresencePenalty = result.GetValue(PresencePenalty),
        Seed = result.GetValue(Seed),
    };

    public IReadOnlyList<string> ReadStops(ParseResult result) =>
        [.. (result.GetValue(Stop) ?? []).Select(CommonOptions.Unescape)];

    private static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);
}

internal static class CommonOptions
{
    /// <summary>
    /// The option's value for a validator; false when the text does not convert (System.CommandLine reports
    /// that conversion error itself; reading the value inside a validator would throw it instead).
    /// </summary>
    public static bool TryGetValue<T>(OptionResult result, out T? value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default;
            return false;
        }
    }

    /// <summary>Adds a validator that rejects values below 1.</summary>
    public static void Positive(Option<int?> option) => option.Validators.Add(r =>
    {
        if (TryGetValue<int?>(r, out var value) && value is < 1)
            r.AddError($"{option.Name} must be at least 1, got {value}.");
    });

    /// <summary>Turns the escapes \n, \r, \t and \\ into the characters they name; other backslashes stay.</summary>
    public static string Unescape(string text)
    {
        if (!text.Contains('\\', StringComparison.Ordinal)) return text;
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                var escaped = text[i + 1] switch
                {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    '\\' => '\\',
                    _ => '\0',
                };
                if (escaped != '\0')
                {
                    builder.Append(escaped);
                    i++;
                    continue;
                }
            }
            builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>A duration for people: milliseconds below a second, else seconds.</summary>
    public static string Duration(TimeSpan time) => time.TotalSeconds < 1
        ? string.Create(CultureInfo.InvariantCulture, $"{time.TotalMilliseconds:F1} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:F2} s");

    /// <summary>Items per second, or "-" when the time is zero.</summary>
    public static string Rate(double count, TimeSpan time) => time > TimeSpan.Zero && count > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{count / time.TotalSeconds:F1}")
        : "-";
}
