using System.Text;
using BitNet.Runtime.Gguf;
using BitNet.Runtime.Model;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Model;

public sealed class BitNetConfigTests
{
    [Fact]
    public void ShippedModel_ConfigMatchesModelCard()
    {
        using var file = GgufFile.Open(TinyModel.Path);
        var config = BitNetConfig.FromGguf(file);
        Assert.Equal("bitnet", config.Architecture);
        Assert.Equal(4096, config.VocabularySize);
        Assert.Equal(256, config.EmbeddingLength);
        Assert.Equal(5, config.BlockCount);
        Assert.Equal(8, config.HeadCount);
        Assert.Equal(4, config.KvHeadCount);
        Assert.Equal(32, config.HeadDimension);
        Assert.Equal(128, config.KvDimension);
        Assert.Equal(512, config.FeedForwardLength);
        Assert.Equal(256, config.ContextLength);
        Assert.Equal(500000f, config.RopeTheta);
        Assert.Equal(1e-5f, config.RmsNormEpsilon);
        Assert.Equal(FeedForwardActivation.ReluSquared, config.Activation);
    }

    [Fact]
    public void UnknownArchitecture_ErrorListsSupportedOnes()
    {
        // Same-length rename of the architecture value keeps every offset valid.
        var bytes = ReplaceFirst(File.ReadAllBytes(TinyModel.Path), "\u0006\0\0\0\0\0\0\0bitnet", "\u0006\0\0\0\0\0\0\0llamax");
        using var file = GgufFile.Load(bytes, "renamed.gguf");
        var error = Assert.Throws<NotSupportedException>(() => BitNetConfig.FromGguf(file));
        Assert.Contains("'llamax'", error.Message, StringComparison.Ordinal);
        foreach (var arch in BitNetConfig.SupportedArchitectures)
            Assert.Contains(arch, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BitnetCppArchitectureNames_AreAccepted()
    {
        using var file = GgufFile.Open(SharedData.File("fixtures", "tinystories-bitnet", "tinystories-bitnet-4m-f16-bitnet25.gguf"));
        var config = BitNetConfig.FromGguf(file);
        Assert.Equal("bitnet-25", config.Architecture);
        Assert.Equal(5, config.BlockCount);
    }

    [Fact]
    public void UnknownActivation_IsRejected()
    {
        var bytes = ReplaceFirst(File.ReadAllBytes(TinyModel.Path), "relu2", "gelu9");
        using var file = GgufFile.Load(bytes, "gelu.gguf");
        var error = Assert.Throws<NotSupportedException>(() => BitNetConfig.FromGguf(file));
        Assert.Contains("gelu9", error.Message, StringComparison.Ordinal);
    }

    internal static byte[] ReplaceFirst(byte[] bytes, string from, string to)
    {
        var pattern = Encoding.Latin1.GetBytes(from);
        var replacement = Encoding.Latin1.GetBytes(to);
        Assert.Equal(pattern.Length, replacement.Length);
        var index = bytes.AsSpan().IndexOf(pattern);
        Assert.True(index >= 0, $"'{from}' not found");
        replacement.CopyTo(bytes, index);
        return bytes;
    }
}
