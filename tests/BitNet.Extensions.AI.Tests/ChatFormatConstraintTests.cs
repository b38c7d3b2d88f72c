using System.Text.Json;
using BitNet.Runtime.Chat;
using BitNet.Runtime.Synthesis;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>
/// JSON output and tool calls on a chat-format model with a byte-level vocabulary (a synthetic 2B4T-style model with
/// random weights, so its choices are arbitrary): the schema and the tools are described in the system turn, and the
/// constrained output still parses and matches.
/// </summary>
public sealed class ChatFormatConstraintTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bitnet-chat-constraints-").FullName;
    private readonly BitNetChatClient _client;

    public ChatFormatConstraintTests()
    {
        var path = Path.Combine(_directory, "tiny-bpe.gguf");
        new SyntheticModel(new SyntheticModelOptions { Vocabulary = SyntheticVocabularyKind.ByteLevel, Seed = 5, ContextLength = 1024 }).WriteFile(path);
        _client = new BitNetChatClient(new BitNetChatClientOptions { ModelPath = path, ContextLength = 1024 });
    }

    public void Dispose()
    {
        _client.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task The_schema_is_described_in_the_system_turn_and_the_answer_matches_it()
    {
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"integer"},"tags":{"type":"array","items":{"enum":["a","b"]},"maxItems":2}},"required":["n","tags"]}""").RootElement;
        var options = new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema), Temperature = 1, Seed = 4, MaxOutputTokens = 48, Instructions = "Be brief." };
        var response = await _client.GetResponseAsync("Hi", options);

        var system = ResponseFormatInstructions.Append("Be brief.", options.ResponseFormat)!;
        var expected = BitNet2B4TChatTemplate.Instance.Render([new("system", system), new("user", "Hi")], _client.Runtime.Model.Tokenizer);
        Assert.Equal(expected.Length, response.Usage!.InputTokenCount);
        using var document = JsonDocument.Parse(response.Text);
        Assert.Equal(JsonValueKind.Number, document.RootElement.GetProperty("n").ValueKind);
        Assert.All(document.RootElement.GetProperty("tags").EnumerateArray(), t => Assert.Contains(t.GetString(), new[] { "a", "b" }));
    }

    [Fact]
    public async Task A_required_call_on_a_byte_level_vocabulary_has_valid_arguments()
    {
        var add = AIFunctionFactory.Create((int a, int b) => a + b, "add", "Adds two whole numbers.");
        var response = await _client.GetResponseAsync("What is 2 + 3?",
            new ChatOptions { Tools = [add], ToolMode = ChatToolMode.RequireAny, Temperature = 1, Seed = 2, MaxOutputTokens = 48 });
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(response.Messages.Single().Contents));
        Assert.Equal("add", call.Name);
        Assert.True(((JsonElement)call.Arguments!["a"]!).TryGetInt32(out _));
        Assert.True(((JsonElement)call.Arguments!["b"]!).TryGetInt32(out _));
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }
}
