using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using BitNet.Runtime;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Model;

namespace BitNet.Cli.Commands;

/// <summary>
/// <c>bitnet generate PROMPT</c>: continues a prompt. Text mode prints the prompt and streams the continuation to
/// stdout (<c>--no-echo</c>: the continuation only) and a timing line to stderr; <c>--json</c> prints one JSON object
/// whose <c>text</c> is the continuation only.
/// </summary>
internal sealed class GenerateCommand
{
    private static readonly JsonWriterOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly CliConsole _console;
    private readonly Argument<string> _prompt = new("PROMPT")
    {
        Description = "The text to continue. The model adds its beginning-of-sequence token; an empty prompt starts a story from nothing.",
    };
    private readonly ModelOptions _model = new();
    private readonly GenerationCliOptions _generation = new();
    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print one JSON object (prompt_ids, ids, text, finish_reason, timings) instead of streaming text.",
    };
    private readonly Option<bool> _noEcho = new("--no-echo")
    {
        Description = "Print only the continuation, not the prompt before it (text mode).",
    };

    public GenerateCommand(CliConsole console) => _console = console;

    public Command Build()
    {
        var command = new Command("generate", "Continue a prompt: the text streams to stdout, timings go to stderr.");
        command.Arguments.Add(_prompt);
        _generation.AddTo(command);
        _model.AddTo(command);
        command.Options.Add(_json);
        command.Options.Add(_noEcho);
        command.SetAction((result, cancellationToken) => Task.FromResult(Run(result, cancellationToken)));
        return command;
    }

    private int Run(ParseResult result, CancellationToken cancellationToken)
    {
        var prompt = result.GetValue(_prompt) ?? "";
        var json = result.GetValue(_json);
        var options = new GenerationOptions
        {
            MaxTokens = result.GetValue(_generation.MaxTokens),
            Sampling = _generation.ReadSampling(result),
            StopSequences = _generation.ReadStops(result),
            ContextOverflow = _generation.ReadOverflow(result),
            SinkTokens = result.GetValue(_generation.Sink),
        };
        options.Validate();
        var modelOptions = _model.Read(result);

        var clock = Stopwatch.StartNew();
        using var model = BitNetModel.Load(modelOptions);
        var loadTime = clock.Elapsed;

        var promptIds = model.Tokenizer.Encode(prompt);
        var generation = new TextGeneration(model, promptIds, options);
        var text = new StringBuilder();
        var output = _console.Out;
        var started = Stopwatch.StartNew();
        if (!json && !result.GetValue(_noEcho))
        {
            output.Write(prompt);
            output.Flush();
        }
        try
        {
            // With an empty prompt the text starts with the model's first word; its leading space would indent the story.
            var atStart = prompt.Length == 0 || result.GetValue(_noEcho);
            foreach (var token in generation.Run(cancellationToken))
            {
                if (token.Text.Length == 0) continue;
                text.Append(token.Text);
                if (json) continue;
                output.Write(atStart ? token.Text.TrimStart(' ') : token.Text);
                output.Flush();
                atStart = false;
            }
        }
        catch (OperationCanceledException) when (!json)
        {
            output.WriteLine();
            throw;
        }
        var total = started.Elapsed;

        var timings = new Timings(loadTime, generation.PrefillTime, generation.TimeToFirstToken ?? TimeSpan.Zero, generation.DecodeTime, total,
                                  promptIds.Length, generation.GeneratedIds.Count);
        if (json)
        {
            WriteJson(prompt, promptIds, generation, text.ToString(), model, timings);
        }
        else
        {
            var written = text.Length > 0 ? text.ToString() : prompt;
            if (!written.EndsWith('\n')) output.WriteLine();
            output.Flush();
            _console.Error.WriteLine(
                $"[{timings.PromptTokens} prompt tokens, {timings.GeneratedTokens} generated ({FinishReasonName(generation.FinishReason)}); " +
                $"load {CommonOptions.Duration(loadTime)}, prefill {CommonOptions.Duration(timings.Prefill)} ({CommonOptions.Rate(timings.PromptTokens, timings.Prefill)} tok/s), " +
                $"first token {CommonOptions.Duration(timings.TimeToFirstToken)}, decode {CommonOptions.Duration(timings.Decode)} " +
                $"({CommonOptions.Rate(timings.GeneratedTokens - 1, timings.Decode)} tok/s)" +
                (generation.ContextShifts > 0 ? $"; window slid {generation.ContextShifts}x, {generation.ReevaluatedTokens} tokens re-evaluated" : "") + "]");
        }
        return 0;
    }

    private void WriteJson(string prompt, int[] promptIds, TextGeneration generation, string text, BitNetModel model, Timings timings)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, s_json))
        {
            writer.WriteStartObject();
            writer.WriteString("prompt", prompt);
            writer.WriteStartArray("prompt_ids");
            foreach (var id in promptIds) writer.WriteNumberValue(id);
            writer.WriteEndArray();
            writer.WriteStartArray("ids");
            foreach (var id in generation.GeneratedIds) writer.WriteNumberValue(id);
            writer.WriteEndArray();
            writer.WriteString("text", text);
            writer.WriteString("finish_reason", FinishReasonName(generation.FinishReason));
            writer.WriteString("model", model.ModelId);
            writer.WriteString("act_quant", ModelOptions.Name(model.Options.ActivationQuantization));
            writer.WriteStartObject("timings");
            writer.WriteNumber("load_ms", Milliseconds(timings.Load));
            writer.WriteNumber("prefill_ms", Milliseconds(timings.Prefill));
            writer.WriteNumber("time_to_first_token_ms", Milliseconds(timings.TimeToFirstToken));
            writer.WriteNumber("decode_ms", Milliseconds(timings.Decode));
            writer.WriteNumber("total_ms", Milliseconds(timings.Total));
            writer.WriteNumber("prompt_tokens", timings.PromptTokens);
            writer.WriteNumber("generated_tokens", timings.GeneratedTokens);
            writer.WriteNumber("context_shifts", generation.ContextShifts);
            writer.WriteNumber("reevaluated_tokens", generation.ReevaluatedTokens);
            WriteRate(writer, "prefill_tokens_per_second", timings.PromptTokens, timings.Prefill);
            WriteRate(writer, "decode_tokens_per_second", timings.GeneratedTokens - 1, timings.Decode);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        _console.Out.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
        _console.Out.Flush();
    }

    private static void WriteRate(Utf8JsonWriter writer, string name, int count, TimeSpan time)
    {
        if (count > 0 && time > TimeSpan.Zero) writer.WriteNumber(name, Math.Round(count / time.TotalSeconds, 1));
        else writer.WriteNull(name);
    }

    private static double Milliseconds(TimeSpan time) => Math.Round(time.TotalMilliseconds, 3);

    internal static string FinishReasonName(GenerationFinishReason? reason) => reason switch
    {
        GenerationFinishReason.EndOfSequence => "end_of_sequence",
        GenerationFinishReason.StopSequence => "stop_sequence",
        GenerationFinishReason.MaxTokens => "max_tokens",
        GenerationFinishReason.ContextFull => "context_full",
        _ => "unknown",
    };

    private readonly record struct Timings(TimeSpan Load, TimeSpan Prefill, TimeSpan TimeToFirstToken, TimeSpan Decode, TimeSpan Total,
                                           int PromptTokens, int GeneratedTokens);
}
