using System.CommandLine;
using BitNet.Runtime;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Model;

namespace BitNet.Cli.Commands;

/// <summary>
/// <c>bitnet chat</c>: writes a story together with the model. Each line read from stdin is added to the story as
/// a paragraph (an empty line lets the model write the next paragraph by itself), and the model continues it until
/// the end of the paragraph. <c>/reset</c> starts a new story, <c>/exit</c> or end of input quits.
/// </summary>
/// <remarks>
/// The model is a story model, not an assistant, so there is no chat template: the "conversation" is one growing
/// text. The session keeps its cache between turns and only evaluates what changed. When the story outgrows the context
/// it starts over, or with <c>--overflow sliding-window</c> keeps its beginning and its most recent part. When stdin is
/// redirected the user's lines are echoed to stdout too, so stdout is the whole story.
/// </remarks>
internal sealed class ChatCommand
{
    private readonly CliConsole _console;
    private readonly ModelOptions _model = new();
    private readonly GenerationCliOptions _generation = new();

    public ChatCommand(CliConsole console) => _console = console;

    public Command Build()
    {
        var command = new Command("chat",
            "Write a story with the model: each line you type is added to the story and the model continues the paragraph. " +
            "An empty line lets the model write the next paragraph; /reset starts a new story; /exit or end of input quits.");
        _generation.AddTo(command);
        _model.AddTo(command);
        command.SetAction((result, cancellationToken) => Task.FromResult(Run(result, cancellationToken)));
        return command;
    }

    private int Run(ParseResult result, CancellationToken cancellationToken)
    {
        var options = new GenerationOptions
        {
            MaxTokens = result.GetValue(_generation.MaxTokens),
            Sampling = _generation.ReadSampling(result),
            // A turn is one paragraph: it ends at the model's next line break.
            StopSequences = [.. _generation.ReadStops(result), "\n"],
            ContextOverflow = _generation.ReadOverflow(result),
            SinkTokens = result.GetValue(_generation.Sink),
        };
        var sliding = options.ContextOverflow == ContextOverflowPolicy.SlidingWindow;
        options.Validate();
        using var model = BitNetModel.Load(_model.Read(result));
        var (output, error, interactive) = (_console.Out, _console.Error, _console.InputIsTerminal);

        if (interactive)
            error.WriteLine($"{model.ModelId}: type the start of a story, or press Enter to let the model begin. /reset starts over, /exit quits.");

        using var session = model.CreateSession();
        var story = "";
        while (true)
        {
            if (interactive)
            {
                error.Write("> ");
                error.Flush();
            }
            var line = _console.In.ReadLine();
            cancellationToken.ThrowIfCancellationRequested();
            if (line is null) break;
            var command = line.Trim();
            if (command is "/exit" or "/quit") break;
            if (command == "/reset")
            {
                story = "";
                error.WriteLine("(new story)");
                continue;
            }
            if (command.StartsWith('/') && !command.Contains(' ', StringComparison.Ordinal))
            {
                error.WriteLine($"unknown command '{command}'; the commands are /reset and /exit.");
                continue;
            }

            var text = line.TrimEnd('\r');
            var candidate = story.Length == 0 ? text : story + "\n" + text;
            var ids = model.Tokenizer.Encode(candidate);
            if (!sliding)
            {
                // Positions the turn needs: the story, and at least two generated tokens (or --max-tokens; the last is never evaluated).
                int Needed(int[] prompt) => prompt.Length + (options.MaxTokens ?? 2) - 1;
                if (Needed(ids) > model.ContextLength && story.Length > 0)
                {
                    error.WriteLine($"(the story has filled the {model.ContextLength}-token context; starting a new story)");
                    candidate = text;
                    ids = model.Tokenizer.Encode(candidate);
                }
                if (Needed(ids) > model.ContextLength)
                {
                    error.WriteLine(options.MaxTokens is { } max && ids.Length <= model.ContextLength - 1
                        ? $"error: the line has {ids.Length} tokens and --max-tokens {max} needs {Needed(ids)} positions, but the context holds {model.ContextLength}; lower --max-tokens, type a shorter line or use --overflow sliding-window."
                        : $"error: the line has {ids.Length} tokens, but the context holds {model.ContextLength}; type a shorter line.");
                    continue;
                }
            }

            if (!interactive && text.Length > 0)
            {
                output.Write(text);
                output.Flush();
            }
            // The session's cache holds the story so far: only what changed is evaluated.
            var generation = new TextGeneration(model, ids, options, session, reuseCachedPrefix: true);
            var continuation = new System.Text.StringBuilder();
            try
            {
                // A new paragraph or story starts without the leading space of the model's first word.
                var atStart = candidate.Length == 0 || candidate.EndsWith('\n');
                foreach (var token in generation.Run(cancellationToken))
                {
                    if (token.Text.Length == 0) continue;
                    var piece = atStart ? token.Text.TrimStart(' ') : token.Text;
                    if (piece.Length == 0) continue;
                    continuation.Append(piece);
                    output.Write(piece);
                    output.Flush();
                    atStart = false;
                }
            }
            finally
            {
                output.WriteLine();
                output.Flush();
            }

            story = candidate + continuation;
            if (generation.ContextShifts > 0)
                error.WriteLine($"(the context was full: the window slid {generation.ContextShifts}x, keeping the story's beginning and its most recent part)");

            switch (generation.FinishReason)
            {
                case GenerationFinishReason.EndOfSequence:
                    error.WriteLine("(the end; the next line starts a new story)");
                    story = "";
                    break;
                case GenerationFinishReason.ContextFull when !sliding:
                    error.WriteLine($"(the {model.ContextLength}-token context is full; the next line starts a new story)");
                    story = "";
                    break;
            }
        }
        if (interactive) error.WriteLine();
        return 0;
    }
}
