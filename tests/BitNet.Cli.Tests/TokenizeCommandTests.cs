using System.Text;
using System.Text.Json;
using BitNet.Extensions.AI;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Tokenization;
using BitNet.Tests;

namespace BitNet.Cli.Tests;

/// <summary>
/// <c>bitnet tokenize</c>, and what the input preprocessing does in a process with invariant globalization (the test
/// host runs invariant, as this repository's projects do; the <c>bitnet</c> program itself runs with ICU).
/// </summary>
public sealed class TokenizeCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bitnet-tokenize-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    [Fact]
    public async Task Tokenize_PrintsTheIdsOfEachDocument()
    {
        var path = Write("two.txt", "Once upon a time\n<|endoftext|>\nThe cat\u200B sat.\n");
        using var gguf = GgufFile.Open(TinyModel.Path);
        var tokenizer = BitNetTokenizer.FromGguf(gguf);

        var raw = await CliRunner.RunAsync("tokenize", path);
        Assert.True(raw.ExitCode == 0, raw.ToString());
        var lines = raw.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal(string.Join(' ', tokenizer.Encode("Once upon a time", addBos: false)), lines[0]);

        var preprocessed = await CliRunner.RunAsync("tokenize", "--preprocess", path);
        Assert.Equal(string.Join(' ', tokenizer.Encode("The cat sat.", addBos: false)), preprocessed.Out.Split('\n')[1]);
    }

    [Fact]
    public async Task Stats_CountByteTokensBeforeAndAfter_PerFileAndInTotal()
    {
        var clean = Write("clean.txt", "Once upon a time, there was a cat.");
        var noisy = Write("noisy.txt", "Once\u00AD upon\u200B a\u0007 time 🎉🎉🎉🎉🎉🎉");

        var run = await CliRunner.RunAsync("tokenize", "--stats", "--json", clean, noisy);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        var parts = json.RootElement.GetProperty("parts").EnumerateArray().ToArray();
        Assert.Equal(["clean.txt", "noisy.txt", "total"], parts.Select(p => p.GetProperty("part").GetString()));
        long Get(int part, string when, string field) => parts[part].GetProperty(when).GetProperty(field).GetInt64();
        Assert.Equal(Get(0, "before", "tokens"), Get(0, "after", "tokens"));
        Assert.Equal(0, Get(0, "before", "byte_tokens"));
        Assert.True(Get(1, "after", "byte_tokens") < Get(1, "before", "byte_tokens"), run.Out);
        Assert.Equal(Get(0, "before", "tokens") + Get(1, "before", "tokens"), Get(2, "before", "tokens"));

        var table = await CliRunner.RunAsync("tokenize", "--stats", "--emoji", "remove", noisy);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("byte-token rate", table.Out, StringComparison.Ordinal);
        Assert.Contains("noisy.txt", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadArguments_AreOneLineErrors()
    {
        CliRunner.AssertOneLineError(await CliRunner.RunAsync("tokenize", "--stats", "--emoji", "explode", Write("a.txt", "a")), 2, "--emoji");
        CliRunner.AssertOneLineError(await CliRunner.RunAsync("tokenize", Path.Combine(_directory, "missing.txt")), 1, "missing.txt");
    }

    [Fact]
    public void UnderInvariantGlobalization_NormalizationIsSkipped_AndTheOtherStepsRun()
    {
        // This test host runs with InvariantGlobalization=true (Directory.Build.props), where string.Normalize returns
        // its input unchanged: the preprocessor must notice, leave "e" + U+0301 alone and still do everything else.
        Assert.Equal("e\u0301", "e\u0301".Normalize(NormalizationForm.FormC));
        Assert.False(BitNetTextPreprocessor.NormalizationAvailable);
        Assert.Equal("Cafe\u0301 ok", new BitNetTextPreprocessor().Process(" Cafe\u0301\u200B  ok\r\n"));
    }
}
