using System.Text.Json;
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
    public void ShippedDefaults_AreTheModelCardsSettings_AndTheRestOfTheContext()
    {
        var generation = ChatOptionsTranslator.ToGenerationOptions(new ChatOptions(), s_defaults);
        Assert.Equal(0.8f, generation.Sampling.Temperature);
        Assert.Equal(0.9f, generation.Sampling.TopP);
        Assert.Equal(0, generation.Sampling.TopK);
        Assert.Equal(0f, generation.Sampling.MinP);
        Assert.Null(generation.MaxTokens);
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
        { new ChatOptions { FrequencyPenalty = 0.5f }, "FrequencyPenalty" },
        { new ChatOptions { PresencePenalty = 0.5f }, "PresencePenalty" },
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
        var properties = new AdditionalPropertiesDictionary { ["min_p"] = 0.1 };
        var options = new ChatOptions { Temperature = 0.4f, StopSequences = stops, AdditionalProperties = properties };
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
