using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BitNet.Runtime.Evaluation;
using BitNet.Runtime.Model;
using BitNet.Tests;

namespace BitNet.Cli.Tests;

public sealed partial class PerplexityCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bitnet-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Perplexity_OnThreeStories_PrintsWhatTheEvaluatorComputes()
    {
        var stories = PerplexityEvaluator.ReadDocuments(SharedData.File("models", "tinystories-bitnet", "heldout-stories.txt")).Take(3).ToArray();
        var path = Path.Combine(_directory, "three.txt");
        await File.WriteAllTextAsync(path, string.Join("\n<|endoftext|>\n", stories) + "\n");

        PerplexityResult expected;
        using (var model = TinyModel.Load(ActivationQuantization.None))
            expected = new PerplexityEvaluator(model).Evaluate(stories);

        var table = await CliRunner.RunAsync("perplexity", path, "--act-quant", "none", "--model", TinyModel.Path);
        Assert.True(table.ExitCode == 0, table.ToString());
        var perplexity = double.Parse(PerplexityRow().Match(table.Out).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(expected.Perplexity, perplexity, 0.01);
        Assert.Contains(expected.Tokens.ToString("N0", CultureInfo.InvariantCulture), table.Out, StringComparison.Ordinal);
        Assert.Contains("bits/byte", table.Out, StringComparison.Ordinal);

        var json = await CliRunner.RunAsync("perplexity", path, "--act-quant", "none", "--json", "--model", TinyModel.Path);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(3, doc.RootElement.GetProperty("documents").GetInt32());
        Assert.Equal(expected.Tokens, doc.RootElement.GetProperty("tokens").GetInt64());
        Assert.Equal(expected.Bytes, doc.RootElement.GetProperty("bytes").GetInt64());
        Assert.Equal(expected.BitsPerByte, doc.RootElement.GetProperty("bits_per_byte").GetDouble(), 9);
    }

    [Fact]
    public async Task Perplexity_MissingFile_IsAOneLineError()
    {
        var run = await CliRunner.RunAsync("perplexity", Path.Combine(_directory, "missing.txt"), "--model", TinyModel.Path);
        CliRunner.AssertOneLineError(run, 1, "missing.txt");
    }

    [Fact]
    public async Task Perplexity_BadWindow_IsAOneLineError()
    {
        var path = Path.Combine(_directory, "one.txt");
        await File.WriteAllTextAsync(path, "Once upon a time there was a cat.\n");
        var run = await CliRunner.RunAsync("perplexity", path, "--window", "8", "--keep", "8", "--model", TinyModel.Path);
        CliRunner.AssertOneLineError(run, 1, "kept context");
    }

    [GeneratedRegex(@"perplexity\s*│\s*([0-9.]+)")]
    private static partial Regex PerplexityRow();
}
