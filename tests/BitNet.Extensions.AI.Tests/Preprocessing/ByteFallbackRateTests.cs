using System.Globalization;
using BitNet.Runtime.Evaluation;
using BitNet.Runtime.Tokenization;
using BitNet.Tests;
using Xunit.Abstractions;

namespace BitNet.Extensions.AI.Tests.Preprocessing;

/// <summary>
/// The byte-fallback token rate of the shipped model's tokenizer before and after preprocessing, on the held-out
/// stories (read from ../shared) and the hand-written mixed corpus in Preprocessing/Corpus. The table in
/// docs/benchmarks.md comes from <c>bitnet tokenize --stats</c> on the same files; this test pins its direction.
/// </summary>
public sealed class ByteFallbackRateTests(ITestOutputHelper output)
{
    private static readonly BitNetTextPreprocessor s_preprocessor = new();

    private static BitNetTokenizer Tokenizer => SharedModel.Model.Tokenizer;

    private static string CorpusFile(string name) =>
        Path.Combine(SharedData.RepositoryRoot(), "tests", "BitNet.Extensions.AI.Tests", "Preprocessing", "Corpus", name);

    private (ByteFallbackStatistics Before, ByteFallbackStatistics After) Measure(string path, BitNetTextPreprocessor? preprocessor = null)
    {
        ByteFallbackStatistics before = default, after = default;
        foreach (var document in PerplexityEvaluator.ReadDocuments(path))
        {
            before += ByteFallbackStatistics.Measure(Tokenizer, document);
            after += ByteFallbackStatistics.Measure(Tokenizer, (preprocessor ?? s_preprocessor).Process(document));
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(path)}: tokens {before.Tokens} -> {after.Tokens}, byte tokens {before.ByteTokens} -> {after.ByteTokens}, " +
            $"rate {before.ByteTokenRate:P1} -> {after.ByteTokenRate:P1}"));
        return (before, after);
    }

    [Fact]
    public void HeldOutStories_AreAlmostUntouched()
    {
        var (before, after) = Measure(SharedData.File("models", "tinystories-bitnet", "heldout-stories.txt"));
        Assert.Equal(before.ByteTokens, after.ByteTokens);
        Assert.InRange(before.Tokens - after.Tokens, 0, before.Tokens / 1000); // only stray whitespace goes
    }

    [Fact]
    public void DecomposedAccents_TokenizeExactlyLikeComposedOnes()
    {
        var nfd = File.ReadAllText(CorpusFile("accents-nfd.txt"));
        var nfc = File.ReadAllText(CorpusFile("accents-nfc.txt"));
        Assert.NotEqual(nfc, nfd);
        Assert.Equal(s_preprocessor.Process(nfc), s_preprocessor.Process(nfd));

        var (nfdBefore, nfdAfter) = Measure(CorpusFile("accents-nfd.txt"));
        var (nfcBefore, _) = Measure(CorpusFile("accents-nfc.txt"));
        Assert.True(nfdBefore.Tokens > nfcBefore.Tokens, "a combining accent is a token of its own");
        Assert.Equal(nfcBefore.Tokens, nfdAfter.Tokens);
        Assert.Equal(nfcBefore.ByteTokens, nfdAfter.ByteTokens);
    }

    [Theory]
    [InlineData("controls.txt")]
    [InlineData("invisible.txt")]
    [InlineData("emoji.txt")]
    public void RemovedCharacters_RemoveByteTokens(string part)
    {
        var (before, after) = Measure(CorpusFile(part));
        Assert.True(after.ByteTokens < before.ByteTokens, $"{part}: {before.ByteTokens} -> {after.ByteTokens}");
        Assert.True(after.Tokens < before.Tokens);
        Assert.True(after.ByteTokenRate < before.ByteTokenRate);
    }

    [Fact]
    public void RemovingEmoji_RemovesMoreByteTokensThanCollapsing()
    {
        var (_, collapsed) = Measure(CorpusFile("emoji.txt"));
        var (_, removed) = Measure(CorpusFile("emoji.txt"), new BitNetTextPreprocessor(new BitNetPreprocessingOptions { EmojiHandling = EmojiHandling.Remove }));
        Assert.True(removed.ByteTokens < collapsed.ByteTokens / 4, $"{removed.ByteTokens} vs {collapsed.ByteTokens}");
    }

    [Fact]
    public void Cjk_StaysByteFallback()
    {
        // The TinyStories vocabulary has no CJK pieces: preprocessing cannot change that, only the model's vocabulary can.
        var (before, after) = Measure(CorpusFile("cjk.txt"));
        Assert.True(after.ByteTokenRate > 0.9, after.ByteTokenRate.ToString(CultureInfo.InvariantCulture));
        Assert.InRange(before.ByteTokens - after.ByteTokens, 0, 3 * 2); // the ideographic spaces became spaces
    }

    [Fact]
    public void Overall_TheByteTokenRateFalls()
    {
        ByteFallbackStatistics before = default, after = default;
        foreach (var path in Directory.GetFiles(Path.GetDirectoryName(CorpusFile("x"))!, "*.txt").Append(SharedData.File("models", "tinystories-bitnet", "heldout-stories.txt")))
        {
            var (b, a) = Measure(path);
            before += b;
            after += a;
        }
        Assert.True(after.ByteTokenRate < before.ByteTokenRate);
        Assert.True(after.Tokens < before.Tokens);
    }
}
