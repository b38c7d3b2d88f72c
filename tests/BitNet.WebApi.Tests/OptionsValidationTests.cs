using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BitNet.WebApi.Tests;

/// <summary>Out-of-range endpoint limits stop the host at start, naming the option and its range.</summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public async Task InvalidLimit_StopsTheHost()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            LoopbackServer.StartAsync(builder => builder.Services.AddChatClient(new RecordingChatClient()), limits => limits.MaxMessages = 0));

        Assert.Contains("OpenAIEndpointOptions.MaxMessages is 0; allowed: 1 to 100000.", error.Message, StringComparison.Ordinal);
    }
}
