using BitNet.Runtime.Generation;
using BitNet.Runtime.Model;
using BitNet.Runtime.Sampling;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Generation;

public sealed class ContextOverflowTests
{
    private static readonly int[] s_prompt = [1, 412, 436, 261, 385]; // <s> Once upon a time

    private static GenerationOptions Greedy(int? maxTokens, ContextOverflowPolicy policy = ContextOverflowPolicy.Error, int? sink = null) =>
        new() { MaxTokens = maxTokens, Sampling = SamplingOptions.Greedy, ContextOverflow = policy, SinkTokens = sink };

    [Fact]
    public void Error_PromptPlusMaxTokensBeyondTheContext_ThrowsNamingTheLengths_BeforeEvaluatingAnything()
    {
        using var model = TinyModel.Load(contextLength: 16);
        using var session = model.CreateSession();

        var error = Assert.Throws<ContextLengthExceededException>(() => new TextGeneration(model, s_prompt, Greedy(13), session));

        Assert.Equal(5 + 13 - 1, error.RequiredTokens);
        Assert.Equal(16, error.ContextLength);
        Assert.Contains("5 tokens", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxTokens asks for 13", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 12", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, session.Position);
    }

    [Fact]
    public void Error_PromptPlusMaxTokensThatJustFit_RunToMaxTokens()
    {
        using var model = TinyModel.Load(contextLength: 16);
        var generation = new TextGeneration(model, s_prompt, Greedy(12));
        var ids = generation.Run().Select(t => t.Id).ToList();
        Assert.Equal(12, ids.Count);
        Assert.Equal(GenerationFinishReason.MaxTokens, generation.FinishReason);
    }

    [Fact]
    public void Error_NoTokenLimit_StopsWhenTheContextIsFull()
    {
        using var model = TinyModel.Load(contextLength: 16);
        var generation = new TextGeneration(model, s_prompt, Greedy(null));
        Assert.Equal(12, generation.Run().Count());
        Assert.Equal(GenerationFinishReason.ContextFull, generation.FinishReason);
        Assert.Equal(0, generation.ContextShifts);
    }

    [Fact]
    public void Error_PromptLongerThanTheContext_Throws()
    {
        using var model = TinyModel.Load(contextLength: 4);
        var error = Assert.Throws<ContextLengthExceededException>(() => new TextGeneration(model, s_prompt, Greedy(null)));
        Assert.Equal(5, error.RequiredTokens);
        Assert.Contains("SlidingWindow", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ActivationQuantization.None, null)]
    [InlineData(ActivationQuantization.None, 1)]
    [InlineData(ActivationQuantization.None, 0)]
    [InlineData(ActivationQuantization.Int8PerToken, 3)]
    public void SlidingWindow_GeneratesPastTheContext_ExactlyAsIfEachWindowWereEvaluatedFromScratch(ActivationQuantization quantization, int? sink)
    {
        const int context = 16;
        using var model = TinyModel.Load(quantization, context);
        using var session = model.CreateSession();
        var generation = new TextGeneration(model, s_prompt, Greedy(40, ContextOverflowPolicy.SlidingWindow, sink), session);

        var ids = generation.Run().Select(t => t.Id).ToList();

        Assert.Equal(Reference(model, s_prompt, 40, context, sink ?? s_prompt.Length), ids);
        Assert.Equal(GenerationFinishReason.MaxTokens, generation.FinishReason);
        Assert.True(generation.ContextShifts >= 3, $"{generation.ContextShifts} shifts");
        Assert.True(generation.ReevaluatedTokens > 0);
        Assert.True(session.Position <= context);
        var kept = sink ?? s_prompt.Length;
        Assert.Equal(s_prompt[..kept], session.Tokens[..kept].ToArray()); // the sink survived every shift
    }

    [Fact]
    public void SlidingWindow_PromptLongerThanTheContext_KeepsItsBeginningAndItsEnd()
    {
        const int context = 16;
        using var model = TinyModel.Load(ActivationQuantization.None, context);
        int[] prompt = [1, .. Enumerable.Range(300, 29)]; // 30 tokens
        using var session = model.CreateSession();
        var generation = new TextGeneration(model, prompt, Greedy(5, ContextOverflowPolicy.SlidingWindow), session);

        var ids = generation.Run().Select(t => t.Id).ToList();

        // Default sink: the whole prompt, at most half the context (8); then half of the other 8 positions (4).
        Assert.Equal(Reference(model, prompt, 5, context, context / 2), ids); // 12 positions, then 4 more fill the context
        Assert.Equal([.. prompt[..8], .. prompt[^4..]], session.Tokens[..12].ToArray());
        Assert.Equal(1, generation.ContextShifts);
        Assert.Equal(0, generation.ReevaluatedTokens); // nothing had been evaluated before the prompt shift
    }

    [Fact]
    public void SlidingWindow_NoTokenLimit_StillStopsAtTheEndOfTheContext()
    {
        using var model = TinyModel.Load(contextLength: 16);
        var generation = new TextGeneration(model, s_prompt, Greedy(null, ContextOverflowPolicy.SlidingWindow));
        Assert.Equal(12, generation.Run().Count());
        Assert.Equal(GenerationFinishReason.ContextFull, generation.FinishReason);
    }

    [Fact]
    public void SinkTokensAboveHalfTheContext_AreRejectedNamingTheRange()
    {
        using var model = TinyModel.Load(contextLength: 16);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new TextGeneration(model, s_prompt, Greedy(4, ContextOverflowPolicy.SlidingWindow, sink: 9)));
        Assert.Contains("SinkTokens is 9; allowed: 0 to 8", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Greedy(4, ContextOverflowPolicy.SlidingWindow, sink: -1).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Greedy(4) with { ContextOverflow = (ContextOverflowPolicy)7 }).Validate());
    }

    /// <summary>
    /// The documented sliding rule, evaluated naively: every token is predicted by a fresh session that prefills the
    /// whole current window. When the window is full, the sequence keeps its first <paramref name="sink"/> tokens and
    /// the most recent half of the other positions.
    /// </summary>
    private static List<int> Reference(BitNetModel model, int[] prompt, int count, int context, int sink)
    {
        var window = new List<int>(prompt);
        if (window.Count > context) window = Shift(window, context, sink);
        var generated = new List<int>();
        while (true)
        {
            using var fresh = model.CreateSession();
            var logits = fresh.Prefill(window.ToArray());
            var id = Argmax(logits);
            generated.Add(id);
            if (generated.Count == count) return generated;
            window.Add(id);
            if (window.Count > context) window = Shift(window, context, sink);
        }
    }

    private static List<int> Shift(List<int> sequence, int context, int sink)
    {
        var recent = Math.Clamp((context - sink) / 2, 1, sequence.Count - sink);
        return [.. sequence.Take(sink), .. sequence.Skip(sequence.Count - recent)];
    }

    private static int Argmax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
