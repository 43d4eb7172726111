namespace AgentJobSync.Dashboard.Figures;

/// <summary>
/// The sync view's figures for one silo over the last <see cref="WindowSeconds"/>: what its AgentJob grains persisted,
/// how long its database commands took, how far entries lagged behind the watch host's observations, how often it retried
/// and which errors it reported. Durations in milliseconds; null when nothing was measured in the window.
/// </summary>
public sealed record SyncFigures(
    string Silo,
    double WindowSeconds,
    double TransitionsPerSecond,
    long Transitions,
    double? DatabaseP50Ms,
    double? DatabaseP99Ms,
    long DatabaseCommands,
    double? LagP50Ms,
    double? LagP99Ms,
    long Retries,
    long Errors,
    IReadOnlyDictionary<string, long> ErrorsByReason,
    DateTimeOffset At);
