using BitNet.Runtime.Generation;
using BitNet.Runtime.Model;
using BitNet.Runtime.Sampling;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Generation;

public sealed class TextGenerationReuseTests
{
    private static GenerationOptions Greedy(int maxTokens, ContextOverflowPolicy policy = ContextOverflowPolicy.Error, int? sink = null) =>
        new() { MaxTokens = maxTokens, Sampling = SamplingOptions.Greedy, ContextOverflow = policy, SinkTokens = sink };

    private static List<int> Run(TextGeneration generation) => [.. generation.Run().Select(t => t.Id)];

    [Theory]
    [InlineData(ActivationQuantization.None)]
    [InlineData(ActivationQuantization.Int8PerToken)]
    public void SecondTurn_OnTheFirstTurnsSession_EvaluatesOnlyTheNewTokens_AndGeneratesTheColdIds(ActivationQuantization quantization)
    {
        using var model = TinyModel.Load(quantization);
        var tokenizer = model.Tokenizer;
        using var session = model.CreateSession();
        var firstPrompt = tokenizer.Encode("Once upon a time, a little fox");
        var first = new TextGeneration(model, firstPrompt, Greedy(20), session, reuseCachedPrefix: true);
        var firstIds = Run(first);
        Assert.Equal(0, first.CachedPromptTokens);

        // The history and a new sentence, tokenized as a whole (as a chat client would).
        var history = tokenizer.Decode([.. firstPrompt, .. firstIds]);
        var secondPrompt = tokenizer.Encode(history + " The next day, the fox");
        var reused = new TextGeneration(model, secondPrompt, Greedy(20), session, reuseCachedPrefix: true);
        var cold = new TextGeneration(model, secondPrompt, Greedy(20));

        Assert.Equal(Run(cold), Run(reused));
        Assert.Equal(session.CommonPrefixLength(secondPrompt) > 0, reused.CachedPromptTokens > 0);
        Assert.InRange(reused.CachedPromptTokens, firstPrompt.Length, secondPrompt.Length - 1);
        Assert.Equal(secondPrompt.Length, reused.PromptTokenCount);
    }

    [Fact]
    public void Reuse_WithAPromptLongerThanTheContext_SlidesLikeACold()
    {
        using var model = TinyModel.Load(ActivationQuantization.None, contextLength: 16);
        int[] prompt = [1, .. Enumerable.Range(300, 29)];
        using var session = model.CreateSession();
        session.Prefill(prompt.AsSpan(0, 10));

        var reused = new TextGeneration(model, prompt, Greedy(4, ContextOverflowPolicy.SlidingWindow, sink: 6), session, reuseCachedPrefix: true);
        var cold = new TextGeneration(model, prompt, Greedy(4, ContextOverflowPolicy.SlidingWindow, sink: 6));

        Assert.Equal(Run(cold), Run(reused));
        Assert.Equal(6, reused.CachedPromptTokens); // the sink stayed in the cache; the kept tail was new
    }

    [Fact]
    public void Reuse_NeedsASession()
    {
        using var model = TinyModel.Load();
        Assert.Throws<ArgumentException>(() => new TextGeneration(model, [1, 412], Greedy(2), session: null, reuseCachedPrefix: true));
    }
}
