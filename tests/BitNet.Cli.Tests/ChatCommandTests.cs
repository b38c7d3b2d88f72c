using BitNet.Tests;

namespace BitNet.Cli.Tests;

public sealed class ChatCommandTests
{
    [Fact]
    public async Task RedirectedInput_TwoLinesThenEndOfInput_ContinuesEachAndExitsZero()
    {
        var run = await CliRunner.RunWithInputAsync("Once upon a time\nTom saw a big dog.\n",
            "chat", "--temperature", "0", "--max-tokens", "12", "--model", TinyModel.Path);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 2, run.ToString());
        Assert.StartsWith("Once upon a time", lines[0], StringComparison.Ordinal);
        Assert.True(lines[0].Length > "Once upon a time".Length, "the model continued the first line");
        Assert.Contains("Tom saw a big dog.", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_ResetAndExit()
    {
        var run = await CliRunner.RunWithInputAsync("Once upon a time\n/reset\n/what\nThe cat\n/exit\nnever read\n",
            "chat", "--temperature", "0", "--max-tokens", "6", "--model", TinyModel.Path);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("(new story)", run.Error, StringComparison.Ordinal);
        Assert.Contains("unknown command '/what'", run.Error, StringComparison.Ordinal);
        Assert.Contains("The cat", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("never read", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GreedyChat_FirstTurnEqualsGenerate()
    {
        // One turn of chat is generate with a paragraph stop: the same greedy tokens.
        var chat = await CliRunner.RunWithInputAsync("Once upon a time\n", "chat", "--temperature", "0", "--act-quant", "none", "--max-tokens", "20", "--model", TinyModel.Path);
        var generate = await CliRunner.RunAsync("generate", "Once upon a time", "--temperature", "0", "--act-quant", "none", "--max-tokens", "20",
            "--stop", @"\n", "--model", TinyModel.Path);
        Assert.True(chat.ExitCode == 0, chat.ToString());
        Assert.Equal(generate.Out, chat.Out);
    }

    [Fact]
    public async Task EmptyInput_ExitsZeroWithoutOutput()
    {
        var run = await CliRunner.RunWithInputAsync("", "chat", "--model", TinyModel.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Out);
    }
}
