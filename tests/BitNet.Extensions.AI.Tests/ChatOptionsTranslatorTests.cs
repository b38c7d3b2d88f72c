using System.Text.Json;
using BitNet.Runtime.Sampling;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

public sealed class ChatOptionsTranslatorTests
{
    private static readonly BitNetChatClientOptions s_defaults = new();

    [Fact]
    public void NoOptions_UseTheClientDefaults()
    {
        var defaults = new BitNetChatClientOptions { Temperature = 0.5f, TopP = 0.7f, TopK = 40, MinP = 0.05f, MaxOutputTokens = 33 };
        var generation = ChatOptionsTranslator.ToGenerationOptions(null, defaults);
        Assert.Equal(0.5f, generation.Sampling.Temperature);
        Assert.Equal(0.7f, generation.Sampling.TopP);
        Assert.Equal(40, generation.Sampling.TopK);
        Assert.Equal(0.05f, generation.Sampling.MinP);
        Assert.Null(generation.Sampling.Seed);
        Assert.Equal(33, generation.MaxTokens);
        Assert.Empty(generation.StopSequences);
    }

    [Fact]
    public void ShippedDefaults_AreTheAdaptiveSampler_AndTheRestOfTheContext()
    {
        var generation = ChatOptionsTranslator.ToGenerationOptions(new ChatOptions(), s_defaults);
        Assert.Equal(SamplingOptions.Adaptive, generation.Sampling);
        Assert.Equal(1f, generation.Sampling.Temperature);
        Assert.Equal(40, generation.Sampling.TopK);
        Assert.Equal(2f, generation.Sampling.TopNSigma);
        Assert.Equal(0.95f, generation.Sampling.TopP);
        Assert.Equal(3, generation.Sampling.MinKeep);
        Assert.Equal(0f, generation.Sampling.MinP);
        Assert.Equal(1.1f, generation.Sampling.RepetitionPenalty);
        Assert.Equal(64, generation.Sampling.RepetitionPenaltyWindow);
        Assert.Equal(0f, generation.Sampling.FrequencyPenalty);
        Assert.Equal(0f, generation.Sampling.PresencePenalty);
        Assert.Null(generation.MaxTokens);
    }

    [Fact]
    public void Penalties_MapFromChatOptionsAndAdditionalProperties()
    {
        var options = new ChatOptions
        {
            FrequencyPenalty = 0.4f,
            PresencePenalty = -0.5f,
            AdditionalProperties = new()
            {
                [BitNetChatClient.RepetitionPenaltyPropertyName] = 1.3,
                [BitNetChatClient.RepetitionPenaltyWindowPropertyName] = JsonDocument.Parse("32").RootElement,
                [BitNetChatClient.TopNSigmaPropertyName] = "1.5",
                [BitNetChatClient.MinKeepPropertyName] = 5L,
            },
        };
        var sampling = ChatOptionsTranslator.ToGenerationOptions(options, s_defaults).Sampling;
        Assert.Equal(0.4f, sampling.FrequencyPenalty);
        Assert.Equal(-0.5f, sampling.PresencePenalty);
        Assert.Equal(1.3f, sampling.RepetitionPenalty);
        Assert.Equal(32, sampling.RepetitionPenaltyWindow);
        Assert.Equal(1.5f, sampling.TopNSigma);
        Assert.Equal(5, sampling.MinKeep);
    }

    [Fact]
    public void PenaltyDefaults_ApplyWhenSampling_ButAGreedyRequestIsTheArgmaxUnlessItAsks()
    {
        var defaults = new BitNetChatClientOptions { RepetitionPenalty = 1.2f, FrequencyPenalty = 0.3f, PresencePenalty = 0.1f };
        var sampled = ChatOptionsTranslator.ToGenerationOptions(new ChatOptions { Temperature = 0.7f }, defaults).Sampling;
        Assert.Equal((1.2f, 0.3f, 0.1f), (sampled.RepetitionPenalty, sampled.FrequencyPenalty, sampled.PresencePenalty));

        var greedy = ChatOptionsTranslator.ToGenerationOptions(new ChatOptions { Temperature = 0 }, defaults).Sampling;
        Assert.False(greedy.HasPenalties);

        var asked = ChatOptionsTranslator.ToGenerationOptions(new ChatOptions
        {
            Temperature = 0,
            FrequencyPenalty = 0.5f,
            AdditionalProperties = new() { [BitNetChatClient.RepetitionPenaltyPropertyName] = 1.4f },
        }, defaults).Sampling;
        Assert.Equal((1.4f, 0.5f, 0f), (asked.RepetitionPenalty, asked.FrequencyPenalty, asked.PresencePenalty));
    }

    [Fact]
    public void WholeNumberProperties_RejectFractions()
    {
        var options = new ChatOptions { AdditionalProperties = new() { [BitNetChatClient.MinKeepPropertyName] = 2.5 } };
        var error = Assert.Throws<ArgumentException>(() => ChatOptionsTranslator.ToGenerationOptions(options, s_defaults));
        Assert.Contains("AdditionalProperties[\"min_keep\"] must be a whole number; got 2.5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChatOptions_OverrideTheDefaults()
    {
        var options = new ChatOptions
        {
            Temperature = 0.3f,
            TopP = 0.5f,
            TopK = 7,
            Seed = 1234,
            MaxOutputTokens = 12,
            StopSequences = ["\n", "", "The end"],
            AdditionalProperties = new() { [BitNetChatClient.MinPPropertyName] = 0.1 },
        };
        var generation = ChatOptionsTranslator.ToGenerationOptions(options, s_defaults);
        Assert.Equal(0.3f, generation.Sampling.Temperature);
        Assert.Equal(0.5f, generation.Sampling.TopP);
        Assert.Equal(7, generation.Sampling.TopK);
        Assert.Equal(1234UL, generation.Sampling.Seed);
        Assert.Equal(0.1f, generation.Sampling.MinP);
        Assert.Equal(12, generation.MaxTokens);
        Assert.Equal(["\n", "The end"], generation.StopSequences);
    }

    [Fact]
    public void NegativeSeed_IsReinterpreted()
    {
        var generation = ChatOptionsTranslator.ToGenerationOptions(new ChatOptions { Seed = -1 }, s_defaults);
        Assert.Equal(ulong.MaxValue, generation.Sampling.Seed);
    }

    public static TheoryData<object> MinPValues => new() { 0.25f, 0.25, 0.25m, "0.25", JsonDocument.Parse("0.25").RootElement };

    [Theory]
    [MemberData(nameof(MinPValues))]
    public void MinP_AcceptsNumbersOfEveryShape(object value)
    {
        var options = new ChatOptions { AdditionalProperties = new() { [BitNetChatClient.MinPPropertyName] = value } };
        Assert.Equal(0.25f, ChatOptionsTranslator.ToGenerationOptions(options, s_defaults).Sampling.MinP);
    }

    [Fact]
    public void MinP_ThatIsNotANumber_IsRejectedByName()
    {
        var options = new ChatOptions { AdditionalProperties = new() { [BitNetChatClient.MinPPropertyName] = "lots" } };
        var error = Assert.Throws<ArgumentException>(() => ChatOptionsTranslator.ToGenerationOptions(options, s_defaults));
        Assert.Contains("min_p", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<ChatOptions, string> OutOfRange => new()
    {
        { new ChatOptions { Temperature = -0.1f }, "ChatOptions.Temperature" },
        { new ChatOptions { Temperature = float.NaN }, "ChatOptions.Temperature" },
        { new ChatOptions { TopP = 0f }, "ChatOptions.TopP" },
        { new ChatOptions { TopP = 1.5f }, "ChatOptions.TopP" },
        { new ChatOptions { TopK = -1 }, "ChatOptions.TopK" },
        { new ChatOptions { MaxOutputTokens = 0 }, "ChatOptions.MaxOutputTokens" },
        { new ChatOptions { AdditionalProperties = new() { ["min_p"] = 1.0 } }, "min_p" },
        { new ChatOptions { FrequencyPenalty = 2.5f }, "ChatOptions.FrequencyPenalty" },
        { new ChatOptions { PresencePenalty = float.NaN }, "ChatOptions.PresencePenalty" },
        { new ChatOptions { AdditionalProperties = new() { ["repetition_penalty"] = 0 } }, "repetition_penalty" },
        { new ChatOptions { AdditionalProperties = new() { ["repetition_penalty_window"] = 0 } }, "repetition_penalty_window" },
        { new ChatOptions { AdditionalProperties = new() { ["top_n_sigma"] = -1 } }, "top_n_sigma" },
        { new ChatOptions { AdditionalProperties = new() { ["min_keep"] = 300 } }, "min_keep" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void OutOfRangeValues_ThrowNamingTheOptionAndValue(ChatOptions options, string option)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ChatOptionsTranslator.ToGenerationOptions(options, s_defaults));
        Assert.Equal("options", error.ParamName);
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.ActualValue);
    }

    public static TheoryData<ChatOptions, string> Unsupported => new()
    {
        { new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse("{\"type\":\"string\",\"pattern\":\"^a\"}").RootElement) }, "ResponseFormat" },
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void OptionsThatWouldSilentlyChangeTheAnswer_AreNotSupported(ChatOptions options, string option)
    {
        var error = Assert.Throws<NotSupportedException>(() => ChatOptionsTranslator.ToGenerationOptions(options, s_defaults));
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_required_tool_call_needs_a_matching_function()
    {
        var error = Assert.Throws<ArgumentException>(() => ChatOptionsTranslator.ToGenerationOptions(new ChatOptions { ToolMode = ChatToolMode.RequireAny }, s_defaults));
        Assert.Contains("ToolMode", error.Message, StringComparison.Ordinal);
        var add = AIFunctionFactory.Create((int a, int b) => a + b, "add");
        error = Assert.Throws<ArgumentException>(() => ChatOptionsTranslator.ToGenerationOptions(
            new ChatOptions { Tools = [add], ToolMode = ChatToolMode.RequireSpecific("sub") }, s_defaults));
        Assert.Contains("'sub'", error.Message, StringComparison.Ordinal);
        Assert.NotNull(ChatOptionsTranslator.ToGenerationOptions(new ChatOptions { Tools = [add], ToolMode = ChatToolMode.RequireAny }, s_defaults).Constraint);
        Assert.NotNull(ChatOptionsTranslator.ToGenerationOptions(new ChatOptions { Tools = [add], ToolMode = ChatToolMode.Auto }, s_defaults).Constraint);
        Assert.Null(ChatOptionsTranslator.ToGenerationOptions(new ChatOptions { Tools = [add], ToolMode = ChatToolMode.None }, s_defaults).Constraint);
    }

    [Fact]
    public void HarmlessOptions_AreIgnored()
    {
        var options = new ChatOptions
        {
            ModelId = "gpt-4o",
            Instructions = "Be nice.",
            ResponseFormat = ChatResponseFormat.Text,
            ToolMode = ChatToolMode.Auto,
            FrequencyPenalty = 0,
            ConversationId = "abc",
            AdditionalProperties = new() { ["unknown"] = 1 },
        };
        _ = ChatOptionsTranslator.ToGenerationOptions(options, s_defaults);
    }

    [Fact]
    public void TheOptions_AreNotModified()
    {
        var stops = new List<string> { "a", "" };
        var properties = new AdditionalPropertiesDictionary { ["min_p"] = 0.1, ["repetition_penalty"] = 1.2, ["min_keep"] = 4 };
        var options = new ChatOptions
        {
            Temperature = 0.4f, StopSequences = stops, AdditionalProperties = properties, FrequencyPenalty = 0.2f, PresencePenalty = 0.1f,
        };
        var before = JsonSerializer.Serialize(options, AIJsonUtilities.DefaultOptions);

        _ = ChatOptionsTranslator.ToGenerationOptions(options, s_defaults);

        Assert.Equal(before, JsonSerializer.Serialize(options, AIJsonUtilities.DefaultOptions));
        Assert.Same(stops, options.StopSequences);
        Assert.Equal(["a", ""], stops);
        Assert.Same(properties, options.AdditionalProperties);
        Assert.Null(options.MaxOutputTokens);
        Assert.Null(options.TopP);
    }
}
