using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BitNet.Extensions.AI.Tests;

/// <summary>
/// Records what <c>UseOpenTelemetry(sourceName: …)</c> emits, as an OpenTelemetry exporter would: the activities of its
/// activity source and the measurements of its meter (both named <see cref="SourceName"/>, unique per recorder, so that
/// tests running in parallel do not see each other's telemetry).
/// </summary>
internal sealed class GenAiTelemetryRecorder : IDisposable
{
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();

    public GenAiTelemetryRecorder()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SourceName,
            Sample = static (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_activities);

        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SourceName) listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();
    }

    public string SourceName { get; } = "BitNet.Tests." + Guid.NewGuid().ToString("N");

    public ConcurrentQueue<Activity> Activities { get; } = new();

    public ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> Measurements { get; } = new();

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(tags.Length);
        foreach (var tag in tags) copy[tag.Key] = tag.Value;
        Measurements.Enqueue((instrument.Name, value, copy));
    }
}
