using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.Kernels;
using BitNet.Runtime.Model;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Model;

/// <summary>A model loaded for <see cref="KernelPath.Avx512Lookup"/> holds its projections in the lookup layout and computes what the 2-bit layout computes.</summary>
public sealed class LookupLayoutModelTests
{
    [Fact]
    public void LookupPath_GivesTheTwoBitPathsLogits_WithFewerBytesHeld()
    {
        if (!Avx512BW.IsSupported) return; // the path is not on this CPU
        using var twoBit = Load(KernelPath.Avx512, ActivationQuantization.Int8PerToken);
        using var lookup = Load(KernelPath.Avx512Lookup, ActivationQuantization.Int8PerToken);
        Assert.All(lookup.Weights.Layers, layer => Assert.All(layer.Projections, m => Assert.NotNull(m.Lookup)));
        Assert.All(twoBit.Weights.Layers, layer => Assert.All(layer.Projections, m => Assert.Null(m.Lookup)));
        Assert.True(lookup.Weights.TernaryBytes < twoBit.Weights.TernaryBytes,
            $"lookup layout holds {lookup.Weights.TernaryBytes} bytes, the 2-bit one {twoBit.Weights.TernaryBytes}");

        // A batched prompt (prefill GEMM) and then single tokens (GEMV): every logit equal to the last bit.
        int[] prompt = [1, 903, 2501, 263, 931, 2989, 727, 471, 263, 2217];
        using var a = twoBit.CreateSession();
        using var b = lookup.CreateSession();
        Assert.Equal(a.Prefill(prompt).ToArray(), b.Prefill(prompt).ToArray());
        foreach (var token in new[] { 782, 4057, 365 })
            Assert.Equal(a.Decode(token).ToArray(), b.Decode(token).ToArray());
    }

    [Theory]
    [InlineData(ActivationQuantization.None)]
    [InlineData(ActivationQuantization.Int8PerBlock)]
    public void OtherActivationModes_KeepTheTwoBitLayout(ActivationQuantization mode)
    {
        if (!Avx512BW.IsSupported) return;
        using var twoBit = Load(KernelPath.Avx512, mode);
        using var lookup = Load(KernelPath.Avx512Lookup, mode);
        Assert.All(lookup.Weights.Layers, layer => Assert.All(layer.Projections, m => Assert.Null(m.Lookup)));
        int[] prompt = [1, 903, 2501, 263, 931];
        using var a = twoBit.CreateSession();
        using var b = lookup.CreateSession();
        Assert.Equal(a.Prefill(prompt).ToArray(), b.Prefill(prompt).ToArray());
    }

    private static BitNetModel Load(KernelPath path, ActivationQuantization mode) => BitNetModel.Load(new BitNetModelOptions
    {
        ModelPath = TinyModel.Path, KernelPath = path, ActivationQuantization = mode, Threads = 2,
    });
}
