using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BitNet.Extensions.AI.Hosting;

/// <summary>
/// What <c>GET /health</c> reports beyond readiness: uptime, requests served, and — read from the provider's
/// <see cref="BitNetTelemetry"/> meter — the start-up warm-up's duration and the last request's time to first token.
/// </summary>
internal sealed class OpenAIEndpointStatistics : IDisposable
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly MeterListener _listener = new();
    private long _requests;
    // Doubles read and written whole by Volatile; NaN means "none yet".
    private double _warmUpSeconds = double.NaN;
    private double _lastTimeToFirstTokenSeconds = double.NaN;

    public OpenAIEndpointStatistics()
    {
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == BitNetTelemetry.MeterName &&
                instrument.Name is BitNetTelemetry.TimeToFirstTokenName or BitNetTelemetry.WarmUpDurationName)
            {
                listener.EnableMeasurementEvents(instrument, state: null);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.Start();
    }

    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_started);

    public long Requests => Interlocked.Read(ref _requests);

    public double? WarmUpSeconds => NullIfNaN(Volatile.Read(ref _warmUpSeconds));

    public double? LastTimeToFirstTokenSeconds => NullIfNaN(Volatile.Read(ref _lastTimeToFirstTokenSeconds));

    public void CountRequest() => Interlocked.Increment(ref _requests);

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == BitNetTelemetry.WarmUpDurationName)
        {
            Volatile.Write(ref _warmUpSeconds, value);
            return;
        }

        foreach (var tag in tags)
            if (tag.Key == BitNetTelemetry.WarmUpTagName && tag.Value is true) return;
        Volatile.Write(ref _lastTimeToFirstTokenSeconds, value);
    }

    private static double? NullIfNaN(double value) => double.IsNaN(value) ? null : value;
}
