using BitNet.Runtime.Gguf;
using BitNet.Tests;

namespace BitNet.Cli.Tests;

public sealed class InspectCommandTests
{
    [Fact]
    public async Task Inspect_ListsEveryTensorAndMetadataKey()
    {
        var run = await CliRunner.RunAsync("inspect", TinyModel.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var file = GgufFile.Open(TinyModel.Path);
        foreach (var tensor in file.Tensors)
        {
            Assert.Contains(tensor.Name, run.Out, StringComparison.Ordinal);
            Assert.Contains(tensor.ByteSize.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), run.Out, StringComparison.Ordinal);
        }
        foreach (var value in file.Metadata.Values) Assert.Contains(value.Key, run.Out, StringComparison.Ordinal);
        Assert.Contains("[256, 4096]", run.Out, StringComparison.Ordinal);   // token_embd shape
        Assert.Contains("4,088 more", run.Out, StringComparison.Ordinal);    // 4096-entry arrays are truncated
        Assert.Contains("4,004,352", run.Out, StringComparison.Ordinal);     // parameters (MODEL_CARD.md)
        Assert.Contains("relu", run.Out, StringComparison.OrdinalIgnoreCase); // configuration summary
    }

    [Fact]
    public async Task Inspect_WithoutArgument_ShowsTheDefaultModel()
    {
        var run = await CliRunner.RunAsync("inspect");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("tinystories-bitnet-4m-f16.gguf", run.Out, StringComparison.Ordinal);
    }
}
