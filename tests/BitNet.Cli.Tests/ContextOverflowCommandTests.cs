using System.Text.Json;
using BitNet.Tests;

namespace BitNet.Cli.Tests;

public sealed class ContextOverflowCommandTests
{
    [Fact]
    public async Task Generate_MaxTokensBeyondTheContext_IsAOneLineErrorNamingTheLengths()
    {
        var run = await CliRunner.RunAsync("generate", "Once upon a time", "--context", "16", "--max-tokens", "40", "--model", TinyModel.Path);
        CliRunner.AssertOneLineError(run, 1, "44", "16", "MaxTokens");
    }

    [Fact]
    public async Task Generate_SlidingWindow_GeneratesPastTheContext()
    {
        var run = await CliRunner.RunAsync("generate", "Once upon a time", "--context", "16", "--max-tokens", "40", "--overflow", "sliding-window",
            "--temperature", "0", "--json", "--model", TinyModel.Path);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        var root = json.RootElement;
        var ids = root.GetProperty("ids").GetArrayLength();
        Assert.True(ids == 40 || root.GetProperty("finish_reason").GetString() == "end_of_sequence", run.Out);
        Assert.True(root.GetProperty("timings").GetProperty("context_shifts").GetInt32() > 0, run.Out);
    }

    [Fact]
    public async Task Generate_SlidingWindow_PromptLongerThanTheContext_IsAccepted()
    {
        var run = await CliRunner.RunAsync("generate", "Once upon a time there was a little girl named Lily.", "--context", "8", "--sink", "2",
            "--overflow", "sliding-window", "--max-tokens", "3", "--temperature", "0", "--model", TinyModel.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("window slid", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--overflow", "truncate", "--overflow")]
    [InlineData("--sink", "-1", "--sink")]
    public async Task BadValues_AreUsageErrors(string option, string value, string mention)
    {
        var run = await CliRunner.RunAsync("generate", "Once", option, value, "--model", TinyModel.Path);
        CliRunner.AssertOneLineError(run, 2, mention);
    }

    [Fact]
    public async Task Chat_SlidingWindow_KeepsTheStoryGoingPastTheContext()
    {
        var input = string.Concat(Enumerable.Repeat("Tom saw a big dog.\n", 6));
        var run = await CliRunner.RunWithInputAsync(input, "chat", "--context", "32", "--overflow", "sliding-window", "--temperature", "0",
            "--max-tokens", "8", "--model", TinyModel.Path);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("window slid", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("starting a new story", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_Error_StartsANewStoryWhenTheContextIsFull()
    {
        var input = string.Concat(Enumerable.Repeat("Tom saw a big dog.\n", 6));
        var run = await CliRunner.RunWithInputAsync(input, "chat", "--context", "32", "--temperature", "0", "--max-tokens", "8", "--model", TinyModel.Path);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("starting a new story", run.Error, StringComparison.Ordinal);
    }
}
