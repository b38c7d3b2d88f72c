using Spectre.Console;

namespace BitNet.Cli;

/// <summary>
/// The streams a command talks to: generated text and results go to <see cref="Out"/>, progress, timings and errors
/// to <see cref="Error"/>. Tests pass string writers; the program passes the process's console.
/// </summary>
internal sealed class CliConsole
{
    private readonly Lazy<IAnsiConsole> _outConsole;
    private readonly Lazy<IAnsiConsole> _errorConsole;

    public CliConsole(TextWriter output, TextWriter error, TextReader input,
                      bool outputIsTerminal = false, bool errorIsTerminal = false, bool inputIsTerminal = false)
    {
        Out = output;
        Error = error;
        In = input;
        OutputIsTerminal = outputIsTerminal;
        ErrorIsTerminal = errorIsTerminal;
        InputIsTerminal = inputIsTerminal;
        _outConsole = new(() => CreateAnsiConsole(output, outputIsTerminal));
        _errorConsole = new(() => CreateAnsiConsole(error, errorIsTerminal));
    }

    /// <summary>Standard output: generated text, tables, JSON.</summary>
    public TextWriter Out { get; }

    /// <summary>Standard error: progress, timings, notes and error lines.</summary>
    public TextWriter Error { get; }

    /// <summary>Standard input (chat).</summary>
    public TextReader In { get; }

    public bool OutputIsTerminal { get; }

    public bool ErrorIsTerminal { get; }

    public bool InputIsTerminal { get; }

    /// <summary>Spectre.Console over <see cref="Out"/> (tables).</summary>
    public IAnsiConsole OutConsole => _outConsole.Value;

    /// <summary>Spectre.Console over <see cref="Error"/> (progress).</summary>
    public IAnsiConsole ErrorConsole => _errorConsole.Value;

    public static CliConsole FromSystemConsole() => new(
        Console.Out, Console.Error, Console.In,
        outputIsTerminal: !Console.IsOutputRedirected,
        errorIsTerminal: !Console.IsErrorRedirected,
        inputIsTerminal: !Console.IsInputRedirected);

    private static IAnsiConsole CreateAnsiConsole(TextWriter writer, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        // Redirected output has no width; keep tables on one line per row rather than wrapping at 80 columns.
        if (!terminal) console.Profile.Width = 200;
        return console;
    }
}
