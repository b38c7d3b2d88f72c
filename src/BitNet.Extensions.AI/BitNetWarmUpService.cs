using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BitNet.Extensions.AI;

/// <summary>
/// Warms one DI-registered runtime when the host starts (registered with each runtime by <c>AddBitNetChatClient</c> and
/// <c>AddKeyedBitNetChatClient</c>; on unless <see cref="BitNetChatClientOptions.WarmUp"/> is false): loads the model, then
/// runs <see cref="BitNetChatClientOptions.WarmUpPrompts"/> through the real request path, so that JIT compilation, the
/// page faults on the mapped weights and cold caches are paid before the first user request. Its duration and each
/// prompt's time to first token go to <see cref="BitNetTelemetry"/>.
/// </summary>
internal sealed class BitNetWarmUpService : IHostedService
{
    private readonly BitNetRuntime _runtime;
    private readonly BitNetChatClientOptions _options;
    private readonly ILogger _logger;

    /// <param name="runtime">The runtime; resolving it loads the model, so a missing model file stops the host at start even with warm-up off.</param>
    /// <param name="options">The options of that runtime's registration (the named options of its key for a keyed one).</param>
    /// <param name="logger">Where the warm-up is reported; null for none.</param>
    public BitNetWarmUpService(BitNetRuntime runtime, BitNetChatClientOptions options, ILogger<BitNetWarmUpService>? logger = null)
    {
        _runtime = runtime;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.WarmUp || _options.WarmUpPrompts.Count == 0) return;
        var started = Stopwatch.GetTimestamp();
        // The client does not own the runtime: disposing it leaves the runtime to the container.
        using var client = new BitNetChatClient(_runtime, _options);
        foreach (var prompt in _options.WarmUpPrompts)
            await client.WarmUpAsync(prompt, _options.WarmUpMaxTokens, cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        BitNetTelemetry.WarmUpDuration.Record(elapsed.TotalSeconds);
        Log.WarmedUp(_logger, client.ModelId, _options.WarmUpPrompts.Count, (long)elapsed.TotalMilliseconds);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
