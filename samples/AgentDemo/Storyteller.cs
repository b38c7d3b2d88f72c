using System.Text;
using BitNet.Extensions.AI;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentDemo;

/// <summary>
/// One storyteller agent, with the same instructions and plugin, run two ways over one DI-registered BitNet model: the
/// Microsoft Agent Framework's <see cref="ChatClientAgent"/> and Semantic Kernel's chat completion with automatic function
/// calling. Both stream the story as it is generated.
/// </summary>
public static class Storyteller
{
    /// <summary>The agent's name.</summary>
    public const string Name = "Storyteller";

    /// <summary>
    /// The agent's instructions. The shipped story model is not an assistant: the BitNet client leaves instructions and
    /// system messages out of its story prompt, so they document the agent's role rather than steer the model.
    /// </summary>
    public const string Instructions = "You tell short, happy stories for children. Continue the story the user begins.";

    /// <summary>
    /// Registers the BitNet model once for both agents: <c>AddKernel().AddBitNetChatClient(...)</c> puts the
    /// <see cref="IChatClient"/> (with kernel function invocation), an <see cref="IChatCompletionService"/> over it, the
    /// <see cref="Kernel"/> and the <see cref="StoryPlugin"/> into <paramref name="services"/>.
    /// <c>configurePipeline</c> adds middleware next to the model (e.g. <c>p => p.UseLogging()</c>).
    /// </summary>
    public static IServiceCollection AddStoryteller(this IServiceCollection services, Action<BitNetChatClientOptions> configure,
                                                    Action<ChatClientBuilder>? configurePipeline = null)
    {
        services.AddKernel()
                .AddBitNetChatClient(configure, configurePipeline: configurePipeline)
                .Plugins.AddFromType<StoryPlugin>(StoryPlugin.Name);
        return services;
    }

    /// <summary>The Agent Framework's <see cref="ChatClientAgent"/> over the DI-registered client continues <paramref name="beginning"/>.</summary>
    /// <returns>The story's continuation, as written to <paramref name="output"/>.</returns>
    public static async Task<string> TellWithAgentFrameworkAsync(IServiceProvider services, string beginning, TextWriter output,
                                                                 CancellationToken cancellationToken = default)
    {
        AIAgent agent = new ChatClientAgent(
            services.GetRequiredService<IChatClient>(),
            Instructions,
            Name,
            tools: [AIFunctionFactory.Create(StoryPlugin.ChooseHero)]);

        var story = new StringBuilder();
        await foreach (var update in agent.RunStreamingAsync(beginning, cancellationToken: cancellationToken))
            await WriteAsync(update.Text, story, output);
        return story.ToString();
    }

    /// <summary>The same agent through the DI-registered Semantic Kernel <see cref="Kernel"/>: its chat completion service, with the plugin offered for automatic calling.</summary>
    /// <returns>The story's continuation, as written to <paramref name="output"/>.</returns>
    public static async Task<string> TellWithSemanticKernelAsync(IServiceProvider services, string beginning, TextWriter output,
                                                                 CancellationToken cancellationToken = default)
    {
        var kernel = services.GetRequiredService<Kernel>();
        var chat = kernel.GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory(Instructions);
        history.AddUserMessage(beginning);
        var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };

        var story = new StringBuilder();
        await foreach (var chunk in chat.GetStreamingChatMessageContentsAsync(history, settings, kernel, cancellationToken))
            await WriteAsync(chunk.Content, story, output);
        return story.ToString();
    }

    private static async Task WriteAsync(string? text, StringBuilder story, TextWriter output)
    {
        if (string.IsNullOrEmpty(text)) return;
        story.Append(text);
        await output.WriteAsync(text);
        await output.FlushAsync(); // token by token, as it is generated
    }
}
