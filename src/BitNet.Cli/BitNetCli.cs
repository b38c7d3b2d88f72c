using System.CommandLine;
using System.Text.RegularExpressions;
using System.CommandLine.Invocation;
using BitNet.Cli.Commands;
using BitNet.Runtime;
using BitNet.Runtime.Gguf;

namespace BitNet.Cli;

/// <summary>
/// The <c>bitnet</c> command line: builds the commands, parses, runs, and turns failures into one line on stderr.
/// </summary>
/// <remarks>
/// Exit codes: 0 success; 1 the command failed (bad model file, missing file, context overflow, Ctrl+C, …);
/// 2 the command line itself is wrong (unknown option, bad option value). Errors are printed as
/// <c>error: message</c> on one line, never with a stack trace (set <c>BITNET_DEBUG=1</c> to get one for an
/// unexpected failure).
/// </remarks>
internal static partial class BitNetCli
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    /// <summary>Runs the command line with the given streams (in-process; used by the program and by tests).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TextReader? input = null, CancellationToken cancellationToken = default) =>
        RunAsync(args, new CliConsole(output, error, input ?? TextReader.Null), cancellationToken);

    /// <summary>Runs the command line on <paramref name="console"/>.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        var root = CreateRootCommand(console);
        if (args.Length == 0)
        {
            // No command: show what there is, as a usage error.
            await root.Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = console.Error }, cancellationToken).ConfigureAwait(false);
            return UsageError;
        }
        var parsed = root.Parse(args);

        if (parsed.Action is ParseErrorAction && parsed.Errors.Count > 0)
        {
            var command = parsed.CommandResult.Command;
            var help = command is RootCommand ? "bitnet --help" : $"bitnet {command.Name} --help";
            var messages = string.Join("; ", parsed.Errors.Select(e => Friendly(e.Message).TrimEnd('.')).Distinct());
            console.Error.WriteLine($"error: {OneLine(messages)}. See '{help}'.");
            return UsageError;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null, // the program handles Ctrl+C and passes the token in
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            console.Error.WriteLine("error: cancelled.");
            return Failure;
        }
        catch (Exception e) when (IsExpected(e))
        {
            console.Error.WriteLine($"error: {Describe(e)}");
            return Failure;
        }
        catch (Exception e)
        {
            if (Environment.GetEnvironmentVariable("BITNET_DEBUG") is "1" or "true") console.Error.WriteLine(e);
            else console.Error.WriteLine($"error: unexpected {e.GetType().Name}: {Describe(e)} (set BITNET_DEBUG=1 for details)");
            return Failure;
        }
        finally
        {
            await console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    internal static RootCommand CreateRootCommand(CliConsole console)
    {
        var root = new RootCommand(
            "Run BitNet b1.58 ternary language models on the CPU. Without --model, the TinyStories BitNet model that ships with bitnet is used.");
        root.Subcommands.Add(new GenerateCommand(console).Build());
        root.Subcommands.Add(new ChatCommand(console).Build());
        root.Subcommands.Add(new PerplexityCommand(console).Build());
        root.Subcommands.Add(new EmbedCommand(console).Build());
        root.Subcommands.Add(new SamplerEvalCommand(console).Build());
        root.Subcommands.Add(new InspectCommand(console).Build());
        root.Subcommands.Add(new BenchCommand(console).Build());
        root.Subcommands.Add(new SynthCommand(console).Build());
        root.Subcommands.Add(new TokenizeCommand(console).Build());
        return root;
    }

    /// <summary>Failures that a user can cause and fix: reported as one line, no stack trace.</summary>
    private static bool IsExpected(Exception e) => e is GgufFormatException or NotSupportedException or FileNotFoundException
        or DirectoryNotFoundException or ContextLengthExceededException or ArgumentException or IOException
        or UnauthorizedAccessException or InvalidOperationException or FormatException;

    /// <summary>The exception's message on one line, without .NET's "(Parameter 'x')" and "Actual value was" additions.</summary>
    internal static string Describe(Exception e)
    {
        var message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
        {
            var newline = message.IndexOf('\n', StringComparison.Ordinal);
            if (newline >= 0 && message.AsSpan(newline + 1).TrimStart().StartsWith("Actual value was", StringComparison.Ordinal))
                message = message[..newline];
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        }
        return OneLine(message);
    }

    /// <summary>System.CommandLine's conversion errors name .NET types; say what kind of value is expected instead.</summary>
    private static string Friendly(string message)
    {
        var match = ConversionError().Match(message);
        if (!match.Success) return message;
        var type = match.Groups["type"].Value;
        var expected = type.Contains("Single", StringComparison.Ordinal) || type.Contains("Double", StringComparison.Ordinal) ? "a number"
            : type.Contains("UInt", StringComparison.Ordinal) ? "a whole number >= 0"
            : type.Contains("Int", StringComparison.Ordinal) ? "a whole number"
            : "a value of another kind";
        return $"{match.Groups["option"].Value} expects {expected}, got '{match.Groups["value"].Value}'";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex ConversionError();

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
