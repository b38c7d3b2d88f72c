using BitNet.Runtime.Model;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Model;

public sealed class InferenceSessionTests
{
    [Theory]
    [InlineData(ActivationQuantization.None)]
    [InlineData(ActivationQuantization.Int8PerToken)]
    [InlineData(ActivationQuantization.Int8PerBlock)]
    public void Decode_AllocatesNothingPerToken(ActivationQuantization activationQuantization)
    {
        using var model = TinyModel.Load(activationQuantization);
        var session = model.CreateSession();
        session.Decode(1); // warm-up: JIT and first-call paths
        Assert.Equal(0, Allocations.Measure(() =>
        {
            for (var i = 0; i < 40; i++) session.Decode(412 + i);
        }));
    }

    [Fact]
    public void PromptLongerThanContext_ThrowsNamingTheLengths()
    {
        using var model = TinyModel.Load(contextLength: 8);
        var session = model.CreateSession();
        var error = Assert.Throws<ContextLengthExceededException>(() => session.Prefill(new int[9]));
        Assert.Equal(9, error.RequiredTokens);
        Assert.Equal(8, error.ContextLength);
        Assert.Contains("9", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, session.Position); // nothing was evaluated
    }

    [Fact]
    public void ContextLargerThanModel_IsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TinyModel.Load(contextLength: 257));
        Assert.Contains("256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TokenOutOfRange_IsRejected()
    {
        using var model = TinyModel.Load();
        var session = model.CreateSession();
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Decode(4096));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Decode(-1));
    }

    [Fact]
    public void Rewind_ReproducesTheSameLogits()
    {
        using var model = TinyModel.Load();
        var session = model.CreateSession();
        var first = session.Prefill([1, 412, 436, 261, 385]).ToArray();
        session.Decode(4038);
        session.Rewind(4);
        var again = session.Decode(385).ToArray();
        Assert.Equal(first, again);
    }

    [Fact]
    public void Tokens_FollowEvaluationAndRewind()
    {
        using var model = TinyModel.Load(ActivationQuantization.Int8PerToken);
        using var session = model.CreateSession();
        session.Prefill([1, 412, 436, 261, 385]);
        session.Decode(4038);
        Assert.Equal([1, 412, 436, 261, 385, 4038], session.Tokens.ToArray());
        session.Rewind(2);
        Assert.Equal([1, 412], session.Tokens.ToArray());
    }

    [Theory]
    [InlineData(ActivationQuantization.None)]
    [InlineData(ActivationQuantization.Int8PerToken)]
    public void PrefillReusingPrefix_EvaluatesOnlyTheNewSuffix_AndGivesTheColdLogits(ActivationQuantization quantization)
    {
        using var model = TinyModel.Load(quantization);
        int[] first = [1, .. Enumerable.Range(300, 90)];
        int[] second = [.. first[..70], .. Enumerable.Range(1000, 40)];
        using var warm = model.CreateSession();
        warm.Prefill(first);

        Assert.Equal(70, warm.PrefillReusingPrefix(second));

        using var cold = model.CreateSession();
        Assert.Equal(cold.Prefill(second).ToArray(), warm.Logits.ToArray());
        Assert.Equal(second, warm.Tokens.ToArray());
        // The same tokens again: all but the last are reused, and the logits are recomputed.
        Assert.Equal(second.Length - 1, warm.PrefillReusingPrefix(second));
        Assert.Equal(cold.Logits.ToArray(), warm.Logits.ToArray());
    }
}
