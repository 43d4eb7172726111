using System.Collections.Immutable;

namespace AgentJobSync.Dashboard.Figures;

/// <summary>
/// The sync view's figures for one silo over the last <see cref="WindowSeconds"/>: what its AgentJob grains persisted,
/// how long its database commands took, how far entries lagged behind the watch host's observations, how often it retried
/// and which errors it reported. Durations in milliseconds; null when nothing was measured in the window. Serializable,
/// so one silo can collect every silo's figures.
/// </summary>
[GenerateSerializer, Immutable, Alias("AgentJobSync.Dashboard.SyncFigures")]
public sealed record SyncFigures(
    [property: Id(0)] string Silo,
    [property: Id(1)] double WindowSeconds,
    [property: Id(2)] double TransitionsPerSecond,
    [property: Id(3)] long Transitions,
    [property: Id(4)] double? DatabaseP50Ms,
    [property: Id(5)] double? DatabaseP99Ms,
    [property: Id(6)] long DatabaseCommands,
    [property: Id(7)] double? LagP50Ms,
    [property: Id(8)] double? LagP99Ms,
    [property: Id(9)] long Retries,
    [property: Id(10)] long Errors,
    [property: Id(11)] ImmutableDictionary<string, long> ErrorsByReason,
    [property: Id(12)] DateTimeOffset At);
