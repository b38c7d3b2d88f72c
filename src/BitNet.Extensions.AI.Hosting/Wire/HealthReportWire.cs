namespace BitNet.Extensions.AI.Hosting.Wire;

/// <summary>The body of <c>GET /health</c>.</summary>
internal sealed class HealthReportWire
{
    /// <summary><c>"ok"</c> once the host has started (the model is loaded and warmed up), else <c>"starting"</c>.</summary>
    public required string Status { get; init; }
    public string? Model { get; init; }
    public double UptimeSeconds { get; init; }
    /// <summary>The start-up warm-up's duration, null when none has run in this process.</summary>
    public double? WarmUpSeconds { get; init; }
    /// <summary>The last user request's time to first token, null before the first one.</summary>
    public double? LastTimeToFirstTokenSeconds { get; init; }
    public long Requests { get; init; }
}
