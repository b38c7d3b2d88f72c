using System.Diagnostics.Metrics;

namespace BitNet.Extensions.AI;

/// <summary>
/// The provider's <see cref="Meter"/> (<see cref="MeterName"/>): listen with OpenTelemetry's
/// <c>AddMeter("BitNet.Extensions.AI")</c> or <c>dotnet-counters monitor --counters BitNet.Extensions.AI</c>.
/// </summary>
/// <remarks>
/// Instruments:
/// <list type="bullet">
/// <item><description><c>bitnet.request.time_to_first_token</c> (histogram, seconds): from a request reaching the
/// runtime to its first generated token, tagged <c>bitnet.warm</c> (whether an earlier request, warm-up included, had
/// completed on this runtime: the first cold request pays for JIT compilation and page faults) and
/// <c>bitnet.warmup</c> (whether the request is one of the warm-up prompts).</description></item>
/// <item><description><c>bitnet.warmup.duration</c> (histogram, seconds): the whole warm-up at start-up.</description></item>
/// </list>
/// </remarks>
public static class BitNetTelemetry
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "BitNet.Extensions.AI";

    /// <summary>The time-to-first-token histogram's name (seconds; tags <c>bitnet.warm</c>, <c>bitnet.warmup</c>).</summary>
    public const string TimeToFirstTokenName = "bitnet.request.time_to_first_token";

    /// <summary>The warm-up duration histogram's name (seconds).</summary>
    public const string WarmUpDurationName = "bitnet.warmup.duration";

    /// <summary>The tag that marks a time to first token measured on a warm-up prompt.</summary>
    public const string WarmUpTagName = "bitnet.warmup";

    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Histogram<double> TimeToFirstToken = Meter.CreateHistogram<double>(
        TimeToFirstTokenName, unit: "s", description: "Time from a request reaching the runtime to its first generated token.");

    internal static readonly Histogram<double> WarmUpDuration = Meter.CreateHistogram<double>(
        WarmUpDurationName, unit: "s", description: "Duration of the start-up warm-up.");
}
