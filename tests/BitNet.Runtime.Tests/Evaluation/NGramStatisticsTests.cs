using BitNet.Runtime.Evaluation;

namespace BitNet.Runtime.Tests.Evaluation;

public class NGramStatisticsTests
{
    [Fact]
    public void RepetitionRate_CountsNGramsSeenEarlierInTheSameText()
    {
        var trigrams = new NGramStatistics(3);
        // 3-grams: "a b c", "b c a", "c a b", "a b c" (repeat), "b c d" → 1 of 5 repeats.
        trigrams.Add("A b c a B c d");
        Assert.Equal(5, trigrams.Total);
        Assert.Equal(0.2, trigrams.RepetitionRate, 12);
        Assert.Equal(0.8, trigrams.Distinct, 12);

        // A second text: its own repeats only; "a b c" again is not a repeat within it, but is not distinct either.
        trigrams.Add("a b c\nx  y");
        Assert.Equal(8, trigrams.Total);
        Assert.Equal(1.0 / 8, trigrams.RepetitionRate, 12);
        Assert.Equal(6.0 / 8, trigrams.Distinct, 12);

        // Texts shorter than n add nothing.
        trigrams.Add("too short");
        Assert.Equal(8, trigrams.Total);
    }

    [Fact]
    public void Empty_IsZero_AndNMustBePositive()
    {
        Assert.Equal(0, new NGramStatistics(2).RepetitionRate);
        Assert.Equal(0, new NGramStatistics(2).Distinct);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NGramStatistics(0));
    }
}
