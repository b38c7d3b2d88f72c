// AgentDemo: a storyteller agent on the BitNet model shipped with the library, run with the Microsoft Agent Framework
// and then with Semantic Kernel, both with instructions and a plugin, streaming the story to the console.
//
//   dotnet run --project samples/AgentDemo                       (uses a default beginning)
//   dotnet run --project samples/AgentDemo -- "The little robot"  (your own beginning)
//
// The shipped model is a 4M-parameter TinyStories model: it continues stories, it does not follow instructions or
// choose tools by itself. The BitNet chat client therefore renders the conversation as a story and leaves the
// instructions out of the prompt; the first request requires a call of the plugin, which constrained decoding turns
// into a valid call, the framework runs it (the call and its result are printed), and the model then tells the story.
// The code is what an app with an instruction-following BitNet model (bitnet-b1.58-2B-4T) would run: set ModelPath and
// both agents use it.
using AgentDemo;
using BitNet.Extensions.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var beginning = args.Length > 0 ? string.Join(' ', args) : "Once upon a time, a little fox";

// The command line is the story, so it is not passed to the host as configuration.
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddStoryteller(options =>
{
    // null: the model that ships with the library, copied next to this app.
    options.ModelPath = null;
    // Keep the demo short; the default would be the rest of the 256-token context.
    options.MaxOutputTokens = 120;
});

using var host = builder.Build();
await host.StartAsync(); // loads and warms the model
var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
var metadata = host.Services.GetRequiredService<IChatClient>().GetService<ChatClientMetadata>();

try
{
    Console.WriteLine($"{Storyteller.Name}, Microsoft Agent Framework ({metadata?.ProviderName}, model '{metadata?.DefaultModelId}'):");
    Console.WriteLine();
    Console.Write(beginning);
    await Storyteller.TellWithAgentFrameworkAsync(host.Services, beginning, Console.Out, stopping);
    Console.WriteLine();
    Console.WriteLine();

    Console.WriteLine($"{Storyteller.Name}, Semantic Kernel:");
    Console.WriteLine();
    Console.Write(beginning);
    await Storyteller.TellWithSemanticKernelAsync(host.Services, beginning, Console.Out, stopping);
    Console.WriteLine();
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    // Ctrl+C: stop quietly.
}

await host.StopAsync();
