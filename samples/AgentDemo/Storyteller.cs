using System.Text;
using BitNet.Extensions.AI;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using FunctionCallContent = Microsoft.Extensions.AI.FunctionCallContent;
using FunctionResultContent = Microsoft.Extensions.AI.FunctionResultContent;

namespace AgentDemo;

/// <summary>
/// One storyteller agent, with the same instructions and plugin, run two ways over one DI-registered BitNet model: the
/// Microsoft Agent Framework's <see cref="ChatClientAgent"/> and Semantic Kernel's chat completion with automatic function
/// calling. Both require a call of the plugin on the first request (so that even the shipped story model, which never
/// chooses a tool by itself, shows a real tool call: the call is decoded under the function's schema), print the call
/// and its result, and stream the story the model then tells.
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

        // RequireAny: the first answer must be a call; function invocation then asks again without requiring one.
        var runOptions = new ChatClientAgentRunOptions(new ChatOptions { ToolMode = ChatToolMode.RequireAny });
        var story = new StringBuilder();
        await foreach (var update in agent.RunStreamingAsync(beginning, options: runOptions, cancellationToken: cancellationToken))
        {
            foreach (var content in update.Contents)
            {
                if (content is FunctionCallContent call) await output.WriteLineAsync(Environment.NewLine + ToolCallLines.Call(call.Name, call.Arguments));
                else if (content is FunctionResultContent result) await output.WriteLineAsync(ToolCallLines.Result(result.Result));
            }

            await WriteAsync(update.Text, story, output);
        }

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
        // Required([f]) on the first request only (Semantic Kernel then stops requiring it), so the loop ends with the story.
        var chooseHero = kernel.Plugins[StoryPlugin.Name][nameof(StoryPlugin.ChooseHero)];
        var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Required([chooseHero]) };
        kernel = kernel.Clone(); // the filter below belongs to this run, not to the shared kernel
        kernel.FunctionInvocationFilters.Add(new PrintingFunctionFilter(output));

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
