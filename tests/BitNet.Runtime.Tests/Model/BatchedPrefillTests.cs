using BitNet.Runtime.Kernels;
using BitNet.Runtime.Kernels.Ternary;
using BitNet.Runtime.Model;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Model;

/// <summary>Prompt tokens evaluated in batches must give exactly what token-by-token evaluation gives.</summary>
public sealed class BatchedPrefillTests
{
    public static TheoryData<KernelPath> SupportedPaths()
    {
        var data = new TheoryData<KernelPath>();
        foreach (var kernel in TernaryKernels.Supported) data.Add(kernel.Path);
        return data;
    }

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void BatchedPrefill_IsBitIdenticalToTokenByToken(KernelPath path)
    {
        using var model = BitNetModel.Load(new BitNetModelOptions
        {
            ModelPath = TinyModel.Path, ActivationQuantization = ActivationQuantization.Int8PerToken, KernelPath = path, Threads = 2,
        });
        // 70 tokens: one full batch of 64 and a partial one, after a 3-token head start.
        var random = new Random(3);
        var prompt = new int[73];
        prompt[0] = 1;
        for (var i = 1; i < prompt.Length; i++) prompt[i] = random.Next(3, 4096);

        using var batched = model.CreateSession();
        batched.Prefill(prompt.AsSpan(0, 3));
        var batchedLogits = batched.Prefill(prompt.AsSpan(3)).ToArray();

        using var stepwise = model.CreateSession();
        float[] stepLogits = [];
        for (var i = 0; i < prompt.Length; i++) stepLogits = stepwise.Evaluate(prompt[i], computeLogits: i == prompt.Length - 1).ToArray();

        Assert.Equal(stepLogits, batchedLogits);
        Assert.Equal(stepwise.Position, batched.Position);
        // The caches agree too: the next decoded token sees the same history.
        Assert.Equal(stepwise.Decode(412).ToArray(), batched.Decode(412).ToArray());
    }

    [Fact]
    public void BatchedPrefill_RejectsBadTokensBeforeEvaluatingAny()
    {
        using var model = TinyModel.Load(ActivationQuantization.Int8PerToken);
        using var session = model.CreateSession();
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Prefill([1, 2, 3, 5000]));
        Assert.Equal(0, session.Position);
    }
}
