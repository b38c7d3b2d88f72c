using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using BitNet.Tests;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BitNet.Extensions.AI.Tests;

/// <summary>The meter is process-wide: these tests run alone, so that no other test's requests reach their listener.</summary>
[CollectionDefinition(nameof(WarmUpTests), DisableParallelization = true)]
public sealed class WarmUpTestsCollection;

/// <summary>The start-up warm-up hosted service and the time-to-first-token telemetry.</summary>
[Collection(nameof(WarmUpTests))]
public sealed class WarmUpTests
{
    [Fact]
    public async Task HostStart_RunsTheWarmUpPrompts_AndLaterRequestsAreWarm()
    {
        using var recorder = new TimeToFirstTokenRecorder();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBitNetChatClient(o =>
        {
            o.ModelPath = TinyModel.Path;
            o.WarmUpPrompts = ["Once upon a time", "The cat"];
            o.WarmUpMaxTokens = 3;
        });
        using var host = builder.Build();
        await host.StartAsync();

        var warmUps = recorder.Where(warmUp: true);
        Assert.Equal(2, warmUps.Count);
        Assert.False(warmUps[0].Warm); // the very first request on the runtime is cold
        Assert.True(warmUps[1].Warm);
        Assert.Single(recorder.Durations);

        await host.Services.GetRequiredService<IChatClient>().GetResponseAsync("A dog", new ChatOptions { MaxOutputTokens = 2 });
        var request = Assert.Single(recorder.Where(warmUp: false));
        Assert.True(request.Warm);
        Assert.True(request.Seconds > 0);
        await host.StopAsync();
    }

    [Fact]
    public async Task WarmUpOff_TheFirstRequestIsCold()
    {
        using var recorder = new TimeToFirstTokenRecorder();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBitNetChatClient(o =>
        {
            o.ModelPath = TinyModel.Path;
            o.WarmUp = false;
        });
        using var host = builder.Build();
        await host.StartAsync();
        Assert.Empty(recorder.Measurements);

        var client = host.Services.GetRequiredService<IChatClient>();
        await client.GetResponseAsync("A dog", new ChatOptions { MaxOutputTokens = 2 });
        await client.GetResponseAsync("A cat", new ChatOptions { MaxOutputTokens = 2 });
        var requests = recorder.Where(warmUp: false);
        Assert.Equal([false, true], requests.Select(r => r.Warm));
        await host.StopAsync();
    }

    [Fact]
    public async Task HostStart_WarmsEveryKeyedRuntime_WithItsOwnOptions_OncePerKey()
    {
        using var recorder = new TimeToFirstTokenRecorder();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddKeyedBitNetChatClient("small", o =>
        {
            o.ModelPath = TinyModel.Path;
            o.WarmUpPrompts = ["Once upon a time"];
            o.WarmUpMaxTokens = 2;
        });
        builder.Services.AddKeyedBitNetChatClient("small"); // the same key again: still one runtime, one warm-up
        builder.Services.AddKeyedBitNetChatClient("story", o =>
        {
            o.ModelPath = TinyModel.Path;
            o.WarmUpPrompts = ["The cat", "A dog", "The sun"];
            o.WarmUpMaxTokens = 2;
        });
        builder.Services.AddKeyedBitNetChatClient("cold", o =>
        {
            o.ModelPath = TinyModel.Path;
            o.WarmUp = false;
        });
        using var host = builder.Build();
        await host.StartAsync();

        Assert.Equal(4, recorder.Where(warmUp: true).Count); // 1 + 3 prompts; none for "cold"
        Assert.Equal(2, recorder.Durations.Count);           // one warm-up per warmed runtime

        foreach (var key in new[] { "small", "story", "cold" })
            await host.Services.GetRequiredKeyedService<IChatClient>(key).GetResponseAsync("A bird", new ChatOptions { MaxOutputTokens = 2 });
        Assert.Equal([true, true, false], recorder.Where(warmUp: false).Select(r => r.Warm));
        await host.StopAsync();
    }

    [Fact]
    public async Task InvalidWarmUpTokens_StopTheHost()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddBitNetChatClient(o => o.WarmUpMaxTokens = 0);
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("BitNetChatClientOptions.WarmUpMaxTokens is 0; allowed: 1 to 256", error.Message, StringComparison.Ordinal);
    }

    private sealed record Measurement(double Seconds, bool Warm, bool WarmUp);

    private sealed class TimeToFirstTokenRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();

        public TimeToFirstTokenRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == BitNetTelemetry.MeterName) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            {
                if (instrument.Name == "bitnet.warmup.duration")
                {
                    Durations.Add(value);
                    return;
                }
                bool warm = false, warmUp = false;
                foreach (var tag in tags)
                {
                    if (tag.Key == "bitnet.warm") warm = (bool)tag.Value!;
                    if (tag.Key == "bitnet.warmup") warmUp = (bool)tag.Value!;
                }
                Measurements.Enqueue(new Measurement(value, warm, warmUp));
            });
            _listener.Start();
        }

        public ConcurrentQueue<Measurement> Measurements { get; } = new();

        public ConcurrentBag<double> Durations { get; } = [];

        public List<Measurement> Where(bool warmUp) => Measurements.Where(m => m.WarmUp == warmUp).ToList();

        public void Dispose() => _listener.Dispose();
    }
}
