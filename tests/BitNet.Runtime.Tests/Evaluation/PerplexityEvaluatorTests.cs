using System.Diagnostics;
using BitNet.Runtime.Evaluation;
using BitNet.Runtime.Model;
using BitNet.Tests;
using Xunit.Abstractions;

namespace BitNet.Runtime.Tests.Evaluation;

/// <summary>The evaluator's windowing and arithmetic against a direct computation, its options and its document splitting.</summary>
public sealed class PerplexityEvaluatorTests
{
    private static string HeldOutPath => SharedData.File("models", "tinystories-bitnet", "heldout-stories.txt");

    [Fact]
    public void ReadDocuments_HeldOutStories_156StoriesOf170658Bytes()
    {
        var stories = PerplexityEvaluator.ReadDocuments(HeldOutPath);
        Assert.Equal(156, stories.Count);
        Assert.Equal(170_658, stories.Sum(s => System.Text.Encoding.UTF8.GetByteCount(s)));
        Assert.StartsWith("Once upon a time, there was a big family.", stories[0], StringComparison.Ordinal);
        Assert.All(stories, s => Assert.False(s.EndsWith('\n'), "a story keeps no trailing newline"));
        Assert.All(stories, s => Assert.DoesNotContain(PerplexityEvaluator.DocumentSeparator, s, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a\nb\n<|endoftext|>\nc\n", new[] { "a\nb", "c" })]
    [InlineData("a\r\n<|endoftext|>\r\nc\r\n", new[] { "a", "c" })]
    [InlineData("a\n<|endoftext|>\n", new[] { "a" })]
    [InlineData("<|endoftext|>\na\n<|endoftext|>\n<|endoftext|>\nb", new[] { "a", "b" })]
    [InlineData("no separator\n\nat all", new[] { "no separator\n\nat all" })]
    [InlineData("inline <|endoftext|> is text\n", new[] { "inline <|endoftext|> is text" })]
    [InlineData("", new string[0])]
    public void SplitDocuments_SplitsOnSeparatorLinesOnly(string text, string[] expected) =>
        Assert.Equal(expected, PerplexityEvaluator.SplitDocuments(text));

    [Fact]
    public void SlidingWindow_ScoresEveryTokenOnceWithTheKeptContext()
    {
        using var model = TinyModel.Load(ActivationQuantization.None);
        // 40 ids with a window of 16 keeping 6: windows [0,16), [10,26), [20,36), [30,40).
        var ids = Enumerable.Range(0, 40).Select(i => i == 0 ? 1 : 300 + 37 * i % 3000).ToArray();
        var evaluator = new PerplexityEvaluator(model, windowLength: 16, keptContext: 6);
        long positions = 0;
        var nll = evaluator.ScoreTokens(model.CreateSession(), ids, ref positions, CancellationToken.None);

        double expected = 0;
        expected += Direct(model, ids, 0, 16, 1);
        expected += Direct(model, ids, 10, 26, 16);
        expected += Direct(model, ids, 20, 36, 26);
        expected += Direct(model, ids, 30, 40, 36);
        Assert.Equal(expected, nll, 9);
        Assert.Equal(15 + 15 + 15 + 9, positions); // the last token of each window is never run
    }

    [Fact]
    public void ShortDocument_IsScoredInOneWindowFromTheStart()
    {
        using var model = TinyModel.Load(ActivationQuantization.None);
        var text = PerplexityEvaluator.ReadDocuments(HeldOutPath)[0];
        var ids = new List<int> { model.Tokenizer.BosId };
        ids.AddRange(model.Tokenizer.Encode(text, addBos: false));
        ids.Add(model.Tokenizer.EosId);

        var result = new PerplexityEvaluator(model).Evaluate([text]);

        Assert.Equal(ids.Count - 1, result.Tokens);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(text), result.Bytes);
        Assert.Equal(Direct(model, [.. ids], 0, ids.Count, 1), result.TotalNll, 9);
        Assert.Equal(Math.Exp(result.TotalNll / result.Tokens), result.Perplexity, 12);
        Assert.Equal(result.TotalNll / (Math.Log(2) * result.Bytes), result.BitsPerByte, 12);
    }

    [Fact]
    public void ScoreTokens_AllocatesNothing()
    {
        using var model = TinyModel.Load(ActivationQuantization.None);
        var ids = Enumerable.Range(0, 60).Select(i => i == 0 ? 1 : 200 + 13 * i).ToArray();
        var evaluator = new PerplexityEvaluator(model, windowLength: 24, keptContext: 12);
        var session = model.CreateSession();
        long positions = 0;
        evaluator.ScoreTokens(session, ids, ref positions, CancellationToken.None); // warm-up
        Assert.Equal(0, Allocations.Measure(() => evaluator.ScoreTokens(session, ids, ref positions, CancellationToken.None)));
    }

    [Fact]
    public void NegativeLogLikelihood_IsLogSoftmaxInDouble()
    {
        float[] logits = [1f, 2f, 3f, 1000f];
        Assert.Equal(0.0, PerplexityEvaluator.NegativeLogLikelihood(logits, 3), 12);
        var expected = Math.Log(Math.Exp(1 - 3.0) + Math.Exp(2 - 3.0) + 1) + 3 - 2;
        Assert.Equal(expected, PerplexityEvaluator.NegativeLogLikelihood([1f, 2f, 3f], 1), 12);
    }

    [Fact]
    public void Parallel_GivesExactlyTheSequentialTotals()
    {
        using var model = TinyModel.Load(ActivationQuantization.None);
        var stories = PerplexityEvaluator.ReadDocuments(HeldOutPath).Take(6).Select(s => s[..Math.Min(s.Length, 300)]).ToArray();
        var sequential = new PerplexityEvaluator(model, 64, 32).Evaluate(stories);
        var reports = new List<PerplexityProgress>();
        var parallel = new PerplexityEvaluator(model, 64, 32, maxDegreeOfParallelism: 3).Evaluate(stories, reports.Add);

        Assert.Equal(sequential.TotalNll, parallel.TotalNll);
        Assert.Equal(sequential.Tokens, parallel.Tokens);
        Assert.Equal(sequential.EvaluatedPositions, parallel.EvaluatedPositions);
        Assert.Equal([1, 2, 3, 4, 5, 6], reports.Select(r => r.DocumentsDone));
        Assert.Equal(sequential.Tokens, reports[^1].Tokens);
        Assert.Equal(sequential.TotalNll, reports[^1].TotalNll, 9);
    }

    [Fact]
    public void Parallel_Cancellation_StopsEveryWorker()
    {
        using var model = TinyModel.Load();
        using var cts = new CancellationTokenSource();
        var evaluator = new PerplexityEvaluator(model, maxDegreeOfParallelism: 2);
        var stories = PerplexityEvaluator.ReadDocuments(HeldOutPath);
        Assert.ThrowsAny<OperationCanceledException>(() => evaluator.Evaluate(stories, p => { if (p.DocumentsDone == 2) cts.Cancel(); }, cts.Token));
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(257, null)]
    [InlineData(16, 0)]
    [InlineData(16, 16)]
    public void BadWindowOptions_AreRejected(int window, int? keep)
    {
        using var model = TinyModel.Load();
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerplexityEvaluator(model, window, keep));
    }

    [Fact]
    public void ZeroParallelism_IsRejected()
    {
        using var model = TinyModel.Load();
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerplexityEvaluator(model, maxDegreeOfParallelism: 0));
    }

    [Fact]
    public void Defaults_WindowIsTheContextAndKeepsHalf()
    {
        using var model = TinyModel.Load(contextLength: 100);
        var evaluator = new PerplexityEvaluator(model);
        Assert.Equal(100, evaluator.WindowLength);
        Assert.Equal(50, evaluator.KeptContext);
    }

    [Fact]
    public void NoDocuments_IsAnError()
    {
        using var model = TinyModel.Load();
        Assert.Throws<ArgumentException>(() => new PerplexityEvaluator(model).Evaluate([]));
        Assert.Throws<ArgumentException>(() => new PerplexityEvaluator(model).Evaluate(["a", ""]));
    }

    [Fact]
    public void Cancellation_StopsTheEvaluation()
    {
        using var model = TinyModel.Load();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new PerplexityEvaluator(model).Evaluate(["Once upon a time."], cancellationToken: cts.Token));
    }

    [Fact]
    public void Progress_IsReportedAfterEachDocument()
    {
        using var model = TinyModel.Load();
        var reports = new List<PerplexityProgress>();
        var result = new PerplexityEvaluator(model).Evaluate(["Tom had a dog.", "The sun was hot.", "Lily sang."], reports.Add);
        Assert.Equal([1, 2, 3], reports.Select(r => r.DocumentsDone));
        Assert.All(reports, r => Assert.Equal(3, r.DocumentCount));
        Assert.Equal(result.Tokens, reports[^1].Tokens);
        Assert.Equal(result.TotalNll, reports[^1].TotalNll);
    }

    /// <summary>Runs ids[start..end) on a fresh session and sums the NLL of ids[from..end).</summary>
    private static double Direct(BitNetModel model, int[] ids, int start, int end, int from)
    {
        var session = model.CreateSession();
        double nll = 0;
        for (var i = start; i < end - 1; i++)
        {
            var logits = session.Decode(ids[i]);
            if (i + 1 >= from)
            {
                double max = double.NegativeInfinity;
                foreach (var l in logits) max = Math.Max(max, l);
                double sum = 0;
                foreach (var l in logits) sum += Math.Exp(l - max);
                nll += Math.Log(sum) + max - logits[ids[i + 1]];
            }
        }
        return nll;
    }
}

/// <summary>The model card's held-out numbers (MODEL_CARD.md, "Evaluation"), reproduced by the engine.</summary>
public sealed class HeldOutPerplexityTests(ITestOutputHelper output)
{
    // The model card: 42,550 tokens, 170,658 bytes; perplexity 22.42 / 1.1187 bits per byte without activation
    // quantization, 22.43 / 1.1188 with int8. Tokens and bytes must match exactly; the metrics within 0.5%.
    [Theory]
    [InlineData(ActivationQuantization.None, 22.42, 1.1187)]
    [InlineData(ActivationQuantization.Int8PerToken, 22.43, 1.1188)]
    public void HeldOutStories_MatchTheModelCard(ActivationQuantization activationQuantization, double perplexity, double bitsPerByte)
    {
        using var model = TinyModel.Load(activationQuantization);
        var stories = PerplexityEvaluator.ReadDocuments(SharedData.File("models", "tinystories-bitnet", "heldout-stories.txt"));
        var clock = Stopwatch.StartNew();
        var result = new PerplexityEvaluator(model, maxDegreeOfParallelism: Environment.ProcessorCount).Evaluate(stories);
        output.WriteLine($"{activationQuantization}: {result.Documents} stories, {result.Tokens} tokens, {result.Bytes} bytes, " +
                         $"NLL/token {result.NllPerToken:F4}, ppl {result.Perplexity:F3}, {result.BitsPerByte:F4} bits/byte, " +
                         $"{result.EvaluatedPositions} positions in {clock.Elapsed.TotalSeconds:F1} s on {Environment.ProcessorCount} threads");

        Assert.Equal(156, result.Documents);
        Assert.Equal(170_658, result.Bytes);
        Assert.Equal(42_550, result.Tokens);
        Assert.InRange(result.Perplexity, perplexity * 0.995, perplexity * 1.005);
        Assert.InRange(result.BitsPerByte, bitsPerByte * 0.995, bitsPerByte * 1.005);
    }
}
