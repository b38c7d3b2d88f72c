using System.Text;
using BitNet.Runtime.Constraints;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>
/// Upstream's <c>GetResponseAsync_StructuredOutput*</c>. Upstream checks that the model extracted the right facts
/// ("Jimbo Smith", 35); the story model cannot, so the checks are the structure: the request carried the JSON schema
/// <c>GetResponseAsync&lt;T&gt;</c> made for <c>T</c>, the answer validates against it and deserializes to a
/// <c>T</c> (an int, a bool, a defined enum member, an object with its fields, an array of them), finishing with
/// <see cref="ChatFinishReason.Stop"/> because the value is complete.
/// </summary>
public sealed partial class ChatClientConformanceTests
{
    private const int StructuredTokens = 120;

    [Fact]
    public async Task GetResponseAsync_StructuredOutput()
    {
        var response = await StructuredAsync<Person>("Jimbo Smith is a 35-year-old programmer from Cardiff, Wales.");

        Assert.True(Enum.IsDefined(response.Result.Job));
    }

    [Fact]
    public async Task GetResponseAsync_StructuredOutputArray()
    {
        var response = await StructuredAsync<Person[]>("Jimbo Smith and Josh Simpson are software developers from Wales.");

        Assert.NotNull(response.Result);
        Assert.All(response.Result, person => Assert.True(Enum.IsDefined(person.Job)));
    }

    [Fact]
    public async Task GetResponseAsync_StructuredOutputInteger()
    {
        var response = await StructuredAsync<int>("There were 14 toys in the box. Tom added one more. How many toys were there?");

        Assert.Equal(int.Parse(Data(response.Text), System.Globalization.CultureInfo.InvariantCulture), response.Result);
    }

    [Fact]
    public async Task GetResponseAsync_StructuredOutputString()
    {
        var response = await StructuredAsync<string>("Lily had a dog named Max. What was the dog's name?");

        Assert.NotNull(response.Result);
    }

    [Fact]
    public async Task GetResponseAsync_StructuredOutputBool_True()
    {
        var response = await StructuredAsync<bool>("Lily had a dog. Did Lily have a pet?");

        Assert.Equal(bool.Parse(Data(response.Text)), response.Result);
    }

    [Fact]
    public async Task GetResponseAsync_StructuredOutputBool_False()
    {
        var response = await StructuredAsync<bool>("Tom was a boy. Was Tom a cat?");

        Assert.Equal(bool.Parse(Data(response.Text)), response.Result);
    }

    [Fact]
    public async Task GetResponseAsync_StructuredOutputEnum()
    {
        var response = await StructuredAsync<JobType>("Taylor sang songs for everyone. What was her job?");

        Assert.True(Enum.IsDefined(response.Result));
        Assert.Contains(response.Result.ToString(), response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_StructuredOutput_WithFunctions()
    {
        var ids = new List<int>();
        var expectedPerson = new Person { FullName = "Jimbo Smith", AgeInYears = 35, HomeTown = "Cardiff", Job = JobType.Programmer };
        using var chatClient = _client.AsBuilder().UseFunctionInvocation().UseCallCounting().Build();

        // RequireAny: the story model would not choose the call; after it, the schema decides the answer.
        var response = await chatClient.GetResponseAsync<Person>("Who is person with ID 123?", new ChatOptions
        {
            Tools = [AIFunctionFactory.Create((int personId) =>
            {
                ids.Add(personId);
                return expectedPerson;
            }, "GetPersonById")],
            ToolMode = ChatToolMode.RequireAny,
            Temperature = 0,
            MaxOutputTokens = StructuredTokens,
        });

        Assert.Single(ids); // called once, with an int
        var requests = chatClient.GetService<CallCountingChatClient>()!.Requests;
        Assert.Equal(2, requests.Count);
        var result = Assert.Single(requests[1].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Contains("Jimbo Smith", result.Result?.ToString(), StringComparison.Ordinal); // the person, serialized
        Assert.NotSame(expectedPerson, response.Result);
        AssertValidates(requests[1].Options!, response.Text);
        Assert.True(Enum.IsDefined(response.Result.Job));
    }

    [Fact]
    public async Task GetResponseAsync_StructuredOutput_NonNative()
    {
        using var chatClient = _client.AsBuilder().UseCallCounting().Build();

        // The schema MEAI puts into the prompt takes ~240 of the story model's 256 tokens: the object must be short.
        var response = await chatClient.GetResponseAsync<Person>("Supply an object to represent Jimbo Smith from Cardiff.",
            new ChatOptions { Temperature = 0, MaxOutputTokens = 16 }, useJsonSchemaResponseFormat: false);

        // Non-native: JSON mode without a schema (the schema goes into the prompt); the answer is a JSON object.
        var responseFormat = Assert.IsType<ChatResponseFormatJson>(Assert.Single(chatClient.GetService<CallCountingChatClient>()!.Requests).Options!.ResponseFormat);
        Assert.Null(responseFormat.Schema);
        Assert.Null(responseFormat.SchemaName);
        Assert.Null(responseFormat.SchemaDescription);
        Assert.True(JsonGrammar.AnyObject.Accepts(Encoding.UTF8.GetBytes(response.Text)), response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.True(response.TryGetResult(out _), response.Text); // the object binds to a Person
    }

    /// <summary><c>GetResponseAsync&lt;T&gt;</c> with the JSON schema format, greedy; checks the request and the answer's structure.</summary>
    private async Task<ChatResponse<T>> StructuredAsync<T>(string prompt)
    {
        using var chatClient = _client.AsBuilder().UseCallCounting().Build();

        var response = await chatClient.GetResponseAsync<T>(prompt, new ChatOptions { Temperature = 0, MaxOutputTokens = StructuredTokens });

        var options = Assert.Single(chatClient.GetService<CallCountingChatClient>()!.Requests).Options!;
        AssertValidates(options, response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason); // a complete value ends the answer
        Assert.True(response.TryGetResult(out _), response.Text);
        return response;
    }

    private static void AssertValidates(ChatOptions options, string text)
    {
        var format = Assert.IsType<ChatResponseFormatJson>(options.ResponseFormat);
        Assert.NotNull(format.Schema);
        Assert.True(JsonGrammar.FromSchema(format.Schema.Value).Accepts(Encoding.UTF8.GetBytes(text)), text);
    }

    // MEAI wraps a value that is not an object as {"data": value}.
    private static string Data(string text) =>
        System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("data").GetRawText();

    /// <summary>Upstream's structured-output type.</summary>
    public sealed class Person
    {
        /// <summary>Full name.</summary>
        public string? FullName { get; set; }

        /// <summary>Age.</summary>
        public int AgeInYears { get; set; }

        /// <summary>Home town.</summary>
        public string? HomeTown { get; set; }

        /// <summary>Job.</summary>
        public JobType Job { get; set; }
    }

    /// <summary>Upstream's enum.</summary>
    public enum JobType
    {
        /// <summary>A wombat.</summary>
        Wombat,

        /// <summary>A pop star.</summary>
        PopStar,

        /// <summary>A programmer.</summary>
        Programmer,

        /// <summary>Unknown.</summary>
        Unknown,
    }
}
