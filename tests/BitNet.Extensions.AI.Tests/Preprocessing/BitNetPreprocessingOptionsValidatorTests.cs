using System.Text;

namespace BitNet.Extensions.AI.Tests.Preprocessing;

public sealed class BitNetPreprocessingOptionsValidatorTests
{
    [Fact]
    public void TheDefaults_AreValid() =>
        Assert.Empty(BitNetPreprocessingOptionsValidator.GetFailures(new BitNetPreprocessingOptions(), "P"));

    public static TheoryData<Action<BitNetPreprocessingOptions>, string> InvalidValues => new()
    {
        { o => o.MaxConsecutiveLineBreaks = 0, "P.MaxConsecutiveLineBreaks is 0; allowed: 1 to 1000" },
        { o => o.MaxConsecutiveLineBreaks = 1001, "P.MaxConsecutiveLineBreaks is 1001; allowed: 1 to 1000" },
        { o => o.UnicodeNormalization = (NormalizationForm)3, "P.UnicodeNormalization is 3; allowed: one of FormC, FormD, FormKC, FormKD, or null for none." },
        { o => o.EmojiHandling = (EmojiHandling)9, "P.EmojiHandling is 9; allowed: one of Keep, Collapse, Remove, Replace." },
        { o => o.MaxEmojiRun = -1, "P.MaxEmojiRun is -1; allowed: 1 to 1000." },
        { o => o.EmojiReplacement = null!, "P.EmojiReplacement is null; allowed: a string (empty to remove the emoji)." },
        { o => o.EmojiReplacement = new string('x', 65), "P.EmojiReplacement is 65 characters long; allowed: at most 64 characters." },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void EachInvalidValue_IsNamedWithItsValueAndRange(Action<BitNetPreprocessingOptions> configure, string message)
    {
        var options = new BitNetPreprocessingOptions();
        configure(options);
        var failure = Assert.Single(BitNetPreprocessingOptionsValidator.GetFailures(options, "P"));
        Assert.StartsWith(message, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void NullNormalization_AndTheLimits_AreValid()
    {
        var options = new BitNetPreprocessingOptions
        {
            UnicodeNormalization = null,
            MaxConsecutiveLineBreaks = 1000,
            MaxEmojiRun = 1,
            EmojiReplacement = new string('x', 64),
        };
        Assert.Empty(BitNetPreprocessingOptionsValidator.GetFailures(options, "P"));
    }
}
