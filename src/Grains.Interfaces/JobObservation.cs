using System.Collections.Immutable;

namespace AgentJobSync.Grains;

/// <summary>
/// One observation of an AgentJob as the watch host read it. Observations are level-triggered: each one
/// carries the job's whole current state, so a grain may receive the same one twice or an older one late.
/// </summary>
/// <param name="FirstSight">
/// The watch host has no record of this job ever reaching its grain (it was not in the job directory when the routing
/// term began and has not been routed since), so the grain's bookkeeping most likely does not exist yet. A hint about
/// cost only: the grain then skips reading its bookkeeping, and its first save, which can only create the record, finds
/// out if one exists after all.
/// </param>
[GenerateSerializer, Immutable]
public sealed record JobObservation(
    [property: Id(0)] string Uid,
    [property: Id(1)] string Namespace,
    [property: Id(2)] string Name,
    [property: Id(3)] string? Owner,
    [property: Id(4)] string? RawState,
    [property: Id(5)] ImmutableArray<NodeObservation> Nodes,
    [property: Id(6)] DateTimeOffset? CreatedAt,
    [property: Id(7)] string? AgentId,
    [property: Id(8)] string? Creator,
    [property: Id(9)] string? JobName,
    [property: Id(10)] bool Deleted,
    [property: Id(11)] DateTimeOffset ObservedAt,
    [property: Id(12)] string? ResourceVersion,
    [property: Id(13)] bool FirstSight = false);
