using BitNet.Tests;

namespace BitNet.Cli.Tests;

/// <summary>Bad input ends with one line "error: …" on stderr and a non-zero exit code, never a stack trace.</summary>
public sealed class ErrorHandlingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bitnet-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task GarbageModelFile_IsAOneLineError()
    {
        var path = Path.Combine(_directory, "garbage.gguf");
        await File.WriteAllTextAsync(path, "this is not a model, just some text that is long enough to read a header from");
        var run = await CliRunner.RunAsync("generate", "Once upon a time", "--model", path);
        CliRunner.AssertOneLineError(run, 1, "GGUF", "magic");
        Assert.Equal("", run.Out);
    }

    [Theory]
    [InlineData(1_000)]       // inside the metadata
    [InlineData(4_000_000)]   // inside the tensor data
    public async Task TruncatedModelFile_IsAOneLineError(int length)
    {
        var path = Path.Combine(_directory, "truncated.gguf");
        var bytes = await File.ReadAllBytesAsync(TinyModel.Path);
        await File.WriteAllBytesAsync(path, bytes.AsSpan(0, length).ToArray());
        var run = await CliRunner.RunAsync("generate", "Once upon a time", "--model", path);
        CliRunner.AssertOneLineError(run, 1, "truncated");
    }

    [Fact]
    public async Task EmptyModelFile_IsAOneLineError()
    {
        var path = Path.Combine(_directory, "empty.gguf");
        await File.WriteAllBytesAsync(path, []);
        CliRunner.AssertOneLineError(await CliRunner.RunAsync("inspect", path), 1, "GGUF");
    }

    [Fact]
    public async Task UnsupportedArchitecture_IsAOneLineErrorButCanBeInspected()
    {
        var path = Path.Combine(_directory, "llama.gguf");
        await File.WriteAllBytesAsync(path, WithArchitecture(await File.ReadAllBytesAsync(TinyModel.Path), "foobar"));

        var generate = await CliRunner.RunAsync("generate", "Once upon a time", "--model", path);
        CliRunner.AssertOneLineError(generate, 1, "foobar", "bitnet");

        var inspect = await CliRunner.RunAsync("inspect", path);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains("blk.0.attn_q.weight", inspect.Out, StringComparison.Ordinal);
        Assert.Contains("foobar", inspect.Error, StringComparison.Ordinal);
    }

    /// <summary>Replaces the 6-byte value of general.architecture ("bitnet") in a GGUF image.</summary>
    private static byte[] WithArchitecture(byte[] gguf, string architecture)
    {
        var key = System.Text.Encoding.ASCII.GetBytes("general.architecture");
        var at = gguf.AsSpan().IndexOf(key) + key.Length + 4 + 8; // key, value type (u32), string length (u64)
        Assert.Equal("bitnet", System.Text.Encoding.ASCII.GetString(gguf, at, 6));
        System.Text.Encoding.ASCII.GetBytes(architecture).CopyTo(gguf, at);
        return gguf;
    }

    [Fact]
    public async Task MissingModelFile_NamesThePath()
    {
        var path = Path.Combine(_directory, "missing.gguf");
        var run = await CliRunner.RunAsync("generate", "Once upon a time", "--model", path);
        CliRunner.AssertOneLineError(run, 1, path, "does not exist");
    }

    [Theory]
    [InlineData("--temperature", "-1")]
    [InlineData("--temperature", "abc")]
    [InlineData("--top-p", "2")]
    [InlineData("--top-p", "0")]
    [InlineData("--top-k", "-3")]
    [InlineData("--min-p", "1")]
    [InlineData("--max-tokens", "0")]
    [InlineData("--act-quant", "foo")]
    [InlineData("--context", "0")]
    [InlineData("--seed", "-5")]
    [InlineData("--top-n-sigma", "-1")]
    [InlineData("--min-keep", "0")]
    [InlineData("--min-keep", "257")]
    [InlineData("--repeat-penalty", "0")]
    [InlineData("--repeat-last-n", "0")]
    [InlineData("--frequency-penalty", "3")]
    [InlineData("--presence-penalty", "-2.5")]
    public async Task BadOptionValue_IsAUsageError(string option, string value)
    {
        var run = await CliRunner.RunAsync("generate", "Once upon a time", option, value, "--model", TinyModel.Path);
        CliRunner.AssertOneLineError(run, 2, value);
        Assert.Equal("", run.Out);
    }

    [Theory]
    [InlineData("generate")]                       // no prompt
    [InlineData("generate", "x", "--frobnicate")]  // unknown option
    [InlineData("frobnicate")]                     // unknown command
    [InlineData("perplexity")]                     // no file
    public async Task BadCommandLine_IsAUsageError(params string[] args) =>
        CliRunner.AssertOneLineError(await CliRunner.RunAsync(args), 2);

    [Fact]
    public async Task NoArguments_ShowsHelpAsAUsageError()
    {
        var run = await CliRunner.RunAsync();
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("generate", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ExitsZero()
    {
        var run = await CliRunner.RunAsync("generate", "--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--temperature", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContextBeyondTheModel_IsAOneLineError()
    {
        var run = await CliRunner.RunAsync("generate", "Once upon a time", "--context", "1000", "--model", TinyModel.Path);
        CliRunner.AssertOneLineError(run, 1, "256");
    }

    [Fact]
    public async Task PromptLongerThanTheContext_IsAOneLineError()
    {
        var run = await CliRunner.RunAsync("generate", "Once upon a time there was a little girl named Lily.", "--context", "4", "--model", TinyModel.Path);
        CliRunner.AssertOneLineError(run, 1, "context");
    }
}
