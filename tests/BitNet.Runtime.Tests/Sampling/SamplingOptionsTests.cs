using BitNet.Runtime.Sampling;

namespace BitNet.Runtime.Tests.Sampling;

public class SamplingOptionsTests
{
    [Fact]
    public void Defaults_AreValid_AndDisableEveryFilter()
    {
        var options = new SamplingOptions();
        options.Validate();
        Assert.Equal(1f, options.Temperature);
        Assert.Equal(0, options.TopK);
        Assert.Equal(1f, options.TopP);
        Assert.Equal(0f, options.MinP);
        Assert.Null(options.Seed);
        Assert.False(options.IsGreedy);
        Assert.Equal(0f, options.TopNSigma);
        Assert.Equal(1, options.MinKeep);
        Assert.Equal(1f, options.RepetitionPenalty);
        Assert.Equal(0f, options.FrequencyPenalty);
        Assert.Equal(0f, options.PresencePenalty);
        Assert.False(options.HasPenalties);
    }

    [Fact]
    public void Greedy_HasTemperatureZero()
    {
        Assert.Equal(0f, SamplingOptions.Greedy.Temperature);
        Assert.True(SamplingOptions.Greedy.IsGreedy);
        SamplingOptions.Greedy.Validate();
    }

    public static TheoryData<string, object> BadOptions() => new()
    {
        { nameof(SamplingOptions.Temperature), -0.1f },
        { nameof(SamplingOptions.Temperature), float.NaN },
        { nameof(SamplingOptions.Temperature), float.PositiveInfinity },
        { nameof(SamplingOptions.Temperature), float.NegativeInfinity },
        { nameof(SamplingOptions.TopK), -1 },
        { nameof(SamplingOptions.TopK), int.MinValue },
        { nameof(SamplingOptions.TopP), 0f },
        { nameof(SamplingOptions.TopP), -0.5f },
        { nameof(SamplingOptions.TopP), 1.0001f },
        { nameof(SamplingOptions.TopP), float.NaN },
        { nameof(SamplingOptions.MinP), -0.01f },
        { nameof(SamplingOptions.MinP), 1f },
        { nameof(SamplingOptions.MinP), float.NaN },
        { nameof(SamplingOptions.TopNSigma), -1f },
        { nameof(SamplingOptions.TopNSigma), float.NaN },
        { nameof(SamplingOptions.TopNSigma), float.PositiveInfinity },
        { nameof(SamplingOptions.MinKeep), 0 },
        { nameof(SamplingOptions.MinKeep), 257 },
        { nameof(SamplingOptions.RepetitionPenalty), 0f },
        { nameof(SamplingOptions.RepetitionPenalty), -1f },
        { nameof(SamplingOptions.RepetitionPenalty), float.NaN },
        { nameof(SamplingOptions.RepetitionPenalty), float.PositiveInfinity },
        { nameof(SamplingOptions.RepetitionPenaltyWindow), 0 },
        { nameof(SamplingOptions.RepetitionPenaltyWindow), 131_073 },
        { nameof(SamplingOptions.FrequencyPenalty), 2.01f },
        { nameof(SamplingOptions.FrequencyPenalty), float.NaN },
        { nameof(SamplingOptions.PresencePenalty), -2.5f },
        { nameof(SamplingOptions.PresencePenalty), float.NaN },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Validate_NamesTheOption_ItsValue_AndTheAllowedRange(string property, object value)
    {
        var options = property switch
        {
            nameof(SamplingOptions.Temperature) => new SamplingOptions { Temperature = (float)value },
            nameof(SamplingOptions.TopK) => new SamplingOptions { TopK = (int)value },
            nameof(SamplingOptions.TopP) => new SamplingOptions { TopP = (float)value },
            nameof(SamplingOptions.TopNSigma) => new SamplingOptions { TopNSigma = (float)value },
            nameof(SamplingOptions.MinKeep) => new SamplingOptions { MinKeep = (int)value },
            nameof(SamplingOptions.RepetitionPenalty) => new SamplingOptions { RepetitionPenalty = (float)value },
            nameof(SamplingOptions.RepetitionPenaltyWindow) => new SamplingOptions { RepetitionPenaltyWindow = (int)value },
            nameof(SamplingOptions.FrequencyPenalty) => new SamplingOptions { FrequencyPenalty = (float)value },
            nameof(SamplingOptions.PresencePenalty) => new SamplingOptions { PresencePenalty = (float)value },
            _ => new SamplingOptions { MinP = (float)value },
        };

        var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(property, ex.ParamName);
        Assert.Equal(value, ex.ActualValue);
        Assert.Contains($"SamplingOptions.{property}", ex.Message, StringComparison.Ordinal);
        Assert.Contains(value.ToString()!, ex.Message, StringComparison.Ordinal);
        var range = property switch
        {
            nameof(SamplingOptions.Temperature) => ">= 0",
            nameof(SamplingOptions.TopK) => ">= 0",
            nameof(SamplingOptions.TopP) => "(0, 1]",
            nameof(SamplingOptions.TopNSigma) => ">= 0",
            nameof(SamplingOptions.MinKeep) => "[1, 256]",
            nameof(SamplingOptions.RepetitionPenalty) => "> 0",
            nameof(SamplingOptions.RepetitionPenaltyWindow) => "[1, 131072]",
            nameof(SamplingOptions.FrequencyPenalty) or nameof(SamplingOptions.PresencePenalty) => "[-2, 2]",
            _ => "[0, 1)",
        };
        Assert.Contains(range, ex.Message, StringComparison.Ordinal);

        // The sampler validates too.
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(options, 8));
    }

    [Theory]
    [InlineData(0f, 0, 1f, 0f)]
    [InlineData(1e-30f, 1, 1e-7f, 0.999f)]
    [InlineData(1000f, int.MaxValue, 0.5f, 0.5f)]
    public void Validate_AcceptsBoundaryValues(float temperature, int topK, float topP, float minP) =>
        new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP, MinP = minP }.Validate();

    [Fact]
    public void Validate_AcceptsPenaltyAndFilterBoundaries()
    {
        new SamplingOptions { TopNSigma = 0f, MinKeep = 256, RepetitionPenalty = 1e-3f, RepetitionPenaltyWindow = 131_072,
                              FrequencyPenalty = -2f, PresencePenalty = 2f }.Validate();
        new SamplingOptions { TopNSigma = 1000f, MinKeep = 1, RepetitionPenalty = 50f, RepetitionPenaltyWindow = 1,
                              FrequencyPenalty = 2f, PresencePenalty = -2f }.Validate();
    }

    [Fact]
    public void Sampler_RejectsBadArguments()
    {
        Assert.Throws<ArgumentNullException>(() => new Sampler(null!, 8));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingOptions(), 0));
        Assert.Equal("vocabularySize", ex.ParamName);

        var sampler = new Sampler(new SamplingOptions { Seed = 1 }, 8);
        var lengthError = Assert.Throws<ArgumentException>(() => sampler.Sample(new float[7]));
        Assert.Equal("logits", lengthError.ParamName);
        Assert.Contains("Expected 8 logits", lengthError.Message, StringComparison.Ordinal);
    }
}
