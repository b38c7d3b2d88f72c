using BitNet.Extensions.AI;
using BitNet.Runtime;
using BitNet.Runtime.Generation;
using BitNet.Runtime.Model;
using BitNet.Runtime.Sampling;
using BitNet.Tests;
using Microsoft.Extensions.AI;

namespace BitNet.Extensions.AI.Tests;

/// <summary>
/// One TinyStories model for the whole test run, without activation quantization (so greedy output matches the numpy
/// reference exactly). It is read-only and thread-safe; clients and runtimes built on it do not own it.
/// </summary>
internal static class SharedModel
{
    private static readonly Lazy<BitNetModel> s_model = new(() => TinyModel.Load(ActivationQuantization.None));

    public static BitNetModel Model => s_model.Value;

    /// <summary>A client on its own runtime over the shared model.</summary>
    public static BitNetChatClient CreateClient(BitNetChatClientOptions? options = null, int maxConcurrentRequests = 1) =>
        new(new BitNetRuntime(Model, maxConcurrentRequests), options);

    /// <summary>What the engine alone generates for <paramref name="prompt"/> (tokenized with BOS, as the story format does).</summary>
    public static (string Text, TextGeneration Generation) Engine(string prompt, GenerationOptions options)
    {
        var generation = new TextGeneration(Model, Model.Tokenizer.Encode(prompt), options);
        var text = string.Concat(generation.Run().Select(t => t.Text));
        return (text, generation);
    }

    public static GenerationOptions Greedy(int? maxTokens = null) => new() { MaxTokens = maxTokens, Sampling = SamplingOptions.Greedy };

    public static ChatOptions GreedyChat(int? maxOutputTokens = null) => new() { Temperature = 0, MaxOutputTokens = maxOutputTokens };

    public static IReadOnlyList<ReferencePrompt> Prompts => ReferenceOutputs.Instance.Prompts;
}
