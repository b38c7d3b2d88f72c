// An OpenAI-compatible server for the local BitNet model, on 127.0.0.1 only:
//   dotnet run --project samples/WebApi                         (http://127.0.0.1:5080, appsettings.json "Urls")
//   dotnet run --project samples/WebApi -- --urls http://127.0.0.1:8080
// The "BitNet" section configures the model (BitNetChatClientOptions), "OpenAIEndpoint" the request limits.
using WebApi;

var builder = WebApplication.CreateBuilder(args);
if (LoopbackUrls.FindNonLoopback(builder.Configuration["urls"]) is { } url)
{
    Console.Error.WriteLine($"error: '{url}' is not a loopback address; this server has no authentication and listens on " +
                            "127.0.0.1 only. Use e.g. --urls http://127.0.0.1:8080.");
    return 1;
}

builder.AddBitNetChatClient();
builder.Services.AddBitNetOpenAIEndpoints(builder.Configuration.GetSection("OpenAIEndpoint"));

var app = builder.Build();
app.UseOpenAIErrorResponses();
app.MapBitNetOpenAIEndpoints();
await app.RunAsync();
return 0;
