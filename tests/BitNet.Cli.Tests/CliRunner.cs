namespace BitNet.Cli.Tests;

/// <summary>The result of one in-process run of the <c>bitnet</c> command line.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    /// <summary>The lines written to stderr.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>Runs <c>bitnet</c> in-process with string writers for stdout and stderr.</summary>
internal static class CliRunner
{
    public static async Task<CliRun> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    public static async Task<CliRun> RunWithInputAsync(string? stdin, params string[] args) =>
        await RunAsync(args, stdin, CancellationToken.None);

    public static async Task<CliRun> RunAsync(string[] args, string? stdin, CancellationToken cancellationToken)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        using var input = new StringReader(stdin ?? "");
        var code = await BitNetCli.RunAsync(args, output, error, input, cancellationToken);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Asserts a failure reported the way the CLI promises: the exit code and one line "error: …", no stack trace.</summary>
    public static void AssertOneLineError(CliRun run, int exitCode, params string[] mentions)
    {
        Assert.True(run.ExitCode == exitCode, $"expected exit code {exitCode}; {run}");
        var lines = run.ErrorLines;
        Assert.True(lines.Length == 1, $"expected one line on stderr; {run}");
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Error, StringComparison.Ordinal);
        foreach (var mention in mentions) Assert.Contains(mention, lines[0], StringComparison.OrdinalIgnoreCase);
    }
}
