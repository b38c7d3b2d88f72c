using System.Text.Json;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>
/// <see cref="ChatOptions.ResponseFormat"/> through the client: JSON mode gives an object, schemas give values that
/// deserialize, and MEAI's structured output (<c>GetResponseAsync&lt;T&gt;</c>) round-trips on the shipped story model.
/// </summary>
public sealed class JsonResponseFormatTests
{
    public enum Mood
    {
        Happy,
        Sleepy,
        Brave,
    }

    public sealed record Character(string Name, int Age, bool Kind, Mood Mood, List<string> Friends);

    private static ChatOptions Seeded(int seed) => new() { Temperature = 0.8f, Seed = seed, MaxOutputTokens = 96 };

    [Fact]
    public async Task Json_mode_answers_with_an_object()
    {
        using var client = SharedModel.CreateClient();
        for (var seed = 0; seed < 4; seed++)
        {
            var options = Seeded(seed);
            options.ResponseFormat = ChatResponseFormat.Json;
            var response = await client.GetResponseAsync("Once upon a time", options);
            using var document = JsonDocument.Parse(response.Text);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        }
    }

    [Fact]
    public async Task Streaming_json_concatenates_to_valid_json()
    {
        using var client = SharedModel.CreateClient();
        var options = Seeded(3);
        options.ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse("""{"type":"array","items":{"type":"integer"},"minItems":2}""").RootElement);
        var text = "";
        await foreach (var update in client.GetStreamingResponseAsync("Once upon a time", options)) text += update.Text;
        var numbers = JsonSerializer.Deserialize<int[]>(text)!;
        Assert.True(numbers.Length >= 2, text);
    }

    [Fact]
    public async Task Structured_output_round_trips_an_object()
    {
        using var client = SharedModel.CreateClient();
        for (var seed = 0; seed < 3; seed++)
        {
            var response = await client.GetResponseAsync<Character>("Once upon a time, a fox", options: Seeded(seed));
            Assert.True(response.TryGetResult(out var character), response.Text);
            Assert.NotNull(character!.Name);
            Assert.NotNull(character.Friends);
            Assert.True(Enum.IsDefined(character.Mood));
        }
    }

    [Fact]
    public async Task Structured_output_round_trips_arrays_and_primitives()
    {
        using var client = SharedModel.CreateClient();
        Assert.NotNull((await client.GetResponseAsync<List<string>>("Once upon a time", options: Seeded(1))).Result);
        _ = (await client.GetResponseAsync<int>("Once upon a time", options: Seeded(2))).Result;
        Assert.NotNull((await client.GetResponseAsync<string>("Once upon a time", options: Seeded(3))).Result);
        _ = (await client.GetResponseAsync<bool>("Once upon a time", options: Seeded(4))).Result;
        Assert.True(Enum.IsDefined((await client.GetResponseAsync<Mood>("Once upon a time", options: Seeded(5))).Result));
        Assert.NotNull((await client.GetResponseAsync<Character[]>("Once upon a time", options: Seeded(6))).Result);
    }

    [Fact]
    public async Task The_story_model_gets_no_schema_text_in_its_prompt()
    {
        using var client = SharedModel.CreateClient();
        var plain = await client.GetResponseAsync("Once upon a time", Seeded(1));
        var options = Seeded(1);
        options.ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse("""{"type":"object","properties":{"a":{"type":"string"}}}""").RootElement);
        var json = await client.GetResponseAsync("Once upon a time", options);
        Assert.Equal(plain.Usage!.InputTokenCount, json.Usage!.InputTokenCount);
        using var _ = JsonDocument.Parse(json.Text);
    }

    [Fact]
    public void Schema_instructions_are_appended_for_chat_models()
    {
        var format = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse("""{"type":"object","properties":{"a":{"type":"string"}}}""").RootElement, "thing", "a thing");
        var text = ResponseFormatInstructions.Append("Be brief.", format)!;
        Assert.StartsWith("Be brief.\n\n", text, StringComparison.Ordinal);
        Assert.Contains("(thing: a thing)", text, StringComparison.Ordinal);
        Assert.Contains("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}", text, StringComparison.Ordinal);
        Assert.Equal("Respond only with a JSON object.", ResponseFormatInstructions.Append(null, ChatResponseFormat.Json));
        Assert.Equal("Be brief.", ResponseFormatInstructions.Append("Be brief.", ChatResponseFormat.Text));
    }
}
