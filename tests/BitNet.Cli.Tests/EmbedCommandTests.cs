using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using BitNet.Runtime.Embeddings;
using BitNet.Runtime.Evaluation;
using BitNet.Runtime.Model;
using BitNet.Tests;

namespace BitNet.Cli.Tests;

public sealed class EmbedCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bitnet-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly string[] s_texts = ["The dog barked at the cat.", "The cat ran from the big dog.", "Mom baked a cake."];

    private static float[][] Expected(params string[] texts)
    {
        using var model = TinyModel.Load(ActivationQuantization.None);
        var embedder = new TextEmbedder(model);
        using var session = model.CreateSession();
        return texts.Select(t =>
        {
            var v = new float[embedder.Dimensions];
            embedder.Embed(session, embedder.Tokenize(t), v);
            return v;
        }).ToArray();
    }

    [Fact]
    public async Task Embed_Texts_PrintsTheEmbedderVectorsAndTheirCosines()
    {
        var expected = Expected(s_texts);
        var json = await CliRunner.RunAsync(["embed", .. s_texts, "--act-quant", "none", "--json", "--model", TinyModel.Path]);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(256, doc.RootElement.GetProperty("dimensions").GetInt32());
        var inputs = doc.RootElement.GetProperty("inputs");
        for (var i = 0; i < s_texts.Length; i++)
        {
            Assert.Equal(s_texts[i], inputs[i].GetProperty("text").GetString());
            Assert.Equal(expected[i], inputs[i].GetProperty("vector").EnumerateArray().Select(x => x.GetSingle()).ToArray());
            Assert.Equal(TensorPrimitives.Dot(expected[0], expected[i]), doc.RootElement.GetProperty("cosine")[0][i].GetDouble(), 5);
        }

        var table = await CliRunner.RunAsync(["embed", .. s_texts, "--act-quant", "none", "--model", TinyModel.Path]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(TensorPrimitives.Dot(expected[0], expected[1]).ToString("F3", CultureInfo.InvariantCulture), table.Out, StringComparison.Ordinal);
        Assert.Contains("1: The dog barked at the cat.", table.Out, StringComparison.Ordinal);

        var one = await CliRunner.RunAsync("embed", s_texts[2], "--act-quant", "none", "--model", TinyModel.Path);
        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Equal(expected[2], one.Out.Trim().Split(' ').Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray());
    }

    [Fact]
    public async Task Embed_Retrieval_PrintsWhatTheEvaluationComputes()
    {
        var stories = PerplexityEvaluator.ReadDocuments(SharedData.File("models", "tinystories-bitnet", "heldout-stories.txt")).Take(6).ToArray();
        var path = Path.Combine(_directory, "six.txt");
        await File.WriteAllTextAsync(path, string.Join("\n<|endoftext|>\n", stories) + "\n");
        HalfDocumentRetrievalResult expected;
        using (var model = TinyModel.Load(ActivationQuantization.None))
            expected = new HalfDocumentRetrieval(new TextEmbedder(model)).Evaluate(stories);

        var json = await CliRunner.RunAsync("embed", "--retrieval", path, "--act-quant", "none", "--json", "--model", TinyModel.Path);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(6, doc.RootElement.GetProperty("documents").GetInt32());
        Assert.Equal(expected.AccuracyAt1, doc.RootElement.GetProperty("accuracy_at_1").GetDouble(), 12);
        Assert.Equal(expected.MeanReciprocalRank, doc.RootElement.GetProperty("mrr").GetDouble(), 12);
        Assert.Equal(expected.BaselineAccuracyAt1, doc.RootElement.GetProperty("baseline_accuracy_at_1").GetDouble(), 12);
        Assert.Equal(expected.Tokens, doc.RootElement.GetProperty("tokens").GetInt64());

        var table = await CliRunner.RunAsync("embed", "--retrieval", path, "--act-quant", "none", "--model", TinyModel.Path);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("accuracy@1", table.Out, StringComparison.Ordinal);
        Assert.Contains("bag of token embeddings", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embed_Speed_ReportsEmbeddingsPerSecond()
    {
        var run = await CliRunner.RunAsync("embed", "--speed", "--tokens", "16", "--count", "3", "--threads", "1", "--json", "--model", TinyModel.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal(16, doc.RootElement.GetProperty("tokens_per_input").GetInt32());
        Assert.Equal(3, doc.RootElement.GetProperty("inputs").GetInt32());
        Assert.Equal(1, doc.RootElement.GetProperty("threads").GetInt32());
        Assert.True(doc.RootElement.GetProperty("embeddings_per_second").GetDouble() > 0);
    }

    [Fact]
    public async Task Embed_Errors_AreOneLine()
    {
        CliRunner.AssertOneLineError(await CliRunner.RunAsync("embed"), 2, "exactly one");
        CliRunner.AssertOneLineError(await CliRunner.RunAsync("embed", "a", "--speed"), 2, "exactly one");
        CliRunner.AssertOneLineError(await CliRunner.RunAsync("embed", "--speed", "--tokens", "0"), 2, "--tokens must be at least 1");
        CliRunner.AssertOneLineError(await CliRunner.RunAsync("embed", "--retrieval", Path.Combine(_directory, "missing.txt")), 1, "does not exist");
        var tooLong = string.Concat(Enumerable.Repeat("The dog ran to the park. ", 10));
        CliRunner.AssertOneLineError(await CliRunner.RunAsync("embed", "short", tooLong, "--context", "32", "--model", TinyModel.Path), 1, "TEXT 2 has", "not truncated");
    }
}
