using System.Collections.Immutable;

namespace AgentJobSync.Grains;

/// <summary>A read-only view of one job's grain, for the dashboard and for tests.</summary>
[GenerateSerializer, Immutable]
public sealed record JobInspection(
    [property: Id(0)] string Uid,
    [property: Id(1)] string? Namespace,
    [property: Id(2)] string? Name,
    [property: Id(3)] string? Owner,
    [property: Id(4)] JobState? PersistedState,
    [property: Id(5)] string? ObservedState,
    [property: Id(6)] long Revision,
    [property: Id(7)] SyncReason? LastReason,
    [property: Id(8)] string? LastError,
    [property: Id(9)] bool EntryCreated,
    [property: Id(10)] bool RemovedByOwner,
    [property: Id(11)] bool Deleted,
    [property: Id(12)] ImmutableArray<TimelineEntry> Timeline,
    [property: Id(13)] string? Silo);
