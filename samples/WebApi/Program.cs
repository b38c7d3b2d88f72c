// An OpenAI-compatible server for the local BitNet model, on 127.0.0.1 only:
//   dotnet run --project samples/WebApi                         (http://127.0.0.1:5080, appsettings.json "Urls")
//   dotnet run --project samples/WebApi -- --urls http://127.0.0.1:8080
// The "BitNet" section configures the model (BitNetChatClientOptions), "OpenAIEndpoint" the request limits.
using WebApi;

var builder = WebApplication.CreateBuilder(args);
LoopbackUrls.ThrowIfNotLoopback(builder.Configuration["urls"]);

builder.AddBitNetChatClient();
builder.Services.AddBitNetOpenAIEndpoints(builder.Configuration.GetSection("OpenAIEndpoint"));

var app = builder.Build();
app.UseOpenAIErrorResponses();
app.MapBitNetOpenAIEndpoints();
app.Run();
