using System.Text.Json;
using BitNet.Runtime.Evaluation;
using BitNet.Runtime.Model;
using BitNet.Runtime.Sampling;
using BitNet.Tests;

namespace BitNet.Cli.Tests;

public sealed class SamplerEvalCommandTests
{
    private static readonly string s_stories = SharedData.File("models", "tinystories-bitnet", "heldout-stories.txt");

    [Fact]
    public async Task SamplerEval_Json_ReportsTheReferenceAndEachChosenSetting_AsTheEvaluatorComputesThem()
    {
        var run = await CliRunner.RunAsync("sampler-eval", s_stories, "--prompts", "3", "--prompt-words", "6", "--max-tokens", "20",
            "--setting", "greedy", "--act-quant", "none", "--json", "--model", TinyModel.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = JsonDocument.Parse(run.Out);
        var settings = doc.RootElement.GetProperty("settings").EnumerateArray().ToArray();
        // The reference row, then every setting whose name contains "greedy".
        Assert.Equal(["held-out text (reference)", "greedy", "greedy + repeat 1.3"], settings.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(3, doc.RootElement.GetProperty("prompts").GetInt32());

        // The greedy row is what SamplingEvaluator measures on the same prompts.
        using var model = TinyModel.Load(ActivationQuantization.None);
        var prompts = PerplexityEvaluator.ReadDocuments(s_stories).Take(3)
            .Select(story => model.Tokenizer.Encode(string.Join(' ', story.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Take(6))))
            .ToArray();
        var expected = new SamplingEvaluator(model).Evaluate(prompts, SamplingOptions.Greedy, maxTokens: 20, seed: 1);
        var greedy = settings[1];
        Assert.Equal(expected.Tokens, greedy.GetProperty("tokens").GetInt64());
        Assert.Equal(expected.MeanLogLikelihood, greedy.GetProperty("mean_log_likelihood").GetDouble(), 4);
        Assert.Equal(expected.RepetitionRate3, greedy.GetProperty("repetition_rate_3").GetDouble(), 4);
        foreach (var setting in settings)
        {
            Assert.InRange(setting.GetProperty("distinct_2").GetDouble(), 0, 1);
            Assert.True(setting.GetProperty("mean_log_likelihood").GetDouble() < 0);
        }
    }

    [Fact]
    public async Task SamplerEval_Table_HasOneRowPerSetting()
    {
        var run = await CliRunner.RunAsync("sampler-eval", s_stories, "--prompts", "2", "--max-tokens", "8", "--setting", "adaptive (default)",
            "--model", TinyModel.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("| held-out text (reference)", run.Out, StringComparison.Ordinal);
        Assert.Contains("| adaptive (default)", run.Out, StringComparison.Ordinal);
        Assert.Contains("3-gram rep.", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SamplerEval_MissingFile_IsAnError()
    {
        var run = await CliRunner.RunAsync("sampler-eval", "no-such-stories.txt", "--model", TinyModel.Path);
        CliRunner.AssertOneLineError(run, 1, "no-such-stories.txt", "does not exist");
    }
}
