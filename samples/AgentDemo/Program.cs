// AgentDemo: a Microsoft Agent Framework agent that tells a story with the BitNet model shipped with the library.
//
//   dotnet run --project samples/AgentDemo                       (uses a default beginning)
//   dotnet run --project samples/AgentDemo -- "The little robot"  (your own beginning)
//
// The shipped model is a 4M-parameter TinyStories model: it continues stories, it does not follow instructions. The
// BitNet chat client therefore renders the conversation as a story and leaves instructions out of the prompt: the
// ChatClientAgent passes its instructions as ChatOptions.Instructions, which the client ignores (as it ignores system
// messages). Here they document the agent's role.
using BitNet.Extensions.AI;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var beginning = args.Length > 0 ? string.Join(' ', args) : "Once upon a time, a little fox";

// The command line is the story, so it is not passed to the host as configuration.
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddBitNetChatClient(options =>
{
    // null: the model that ships with the library, copied next to this app.
    options.ModelPath = null;
    // Keep the demo short; the default would be the rest of the 256-token context.
    options.MaxOutputTokens = 120;
});

using var host = builder.Build();
await host.StartAsync();
var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

var chatClient = host.Services.GetRequiredService<IChatClient>();
var metadata = chatClient.GetService<ChatClientMetadata>();
AIAgent storyteller = new ChatClientAgent(
    chatClient,
    instructions: "You tell short, happy stories for children. Continue the story the user begins.",
    name: "Storyteller");

Console.WriteLine($"{storyteller.Name} ({metadata?.ProviderName}, model '{metadata?.DefaultModelId}'):");
Console.WriteLine();
Console.Write(beginning);
try
{
    await foreach (var update in storyteller.RunStreamingAsync(beginning, cancellationToken: stopping))
        Console.Write(update.Text);
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    // Ctrl+C: stop quietly.
}

Console.WriteLine();
await host.StopAsync();
