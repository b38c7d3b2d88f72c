using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace AgentDemo;

/// <summary>
/// The agents' plugin: a Semantic Kernel plugin (<see cref="KernelFunctionAttribute"/>) that the Agent Framework agent
/// also gets, as an <c>AIFunction</c>. The shipped story model would not choose it by itself (it has not learned tool
/// calling), so the storyteller requires a call of it on its first request.
/// </summary>
public sealed class StoryPlugin
{
    /// <summary>The plugin's name in the kernel.</summary>
    public const string Name = "Story";

    /// <summary>Chooses the hero of the story.</summary>
    [KernelFunction, Description("Chooses the hero of the story: an animal and its name.")]
    public static string ChooseHero() => "a little fox named Finn";
}
