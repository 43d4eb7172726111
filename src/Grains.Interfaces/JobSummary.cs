namespace AgentJobSync.Grains;

/// <summary>What the cluster knows of one job, from its grain's durable bookkeeping (no activation needed).</summary>
/// <remarks>
/// <see cref="SettledResourceVersion"/>: the job's resourceVersion whose observation left the entry right for good
/// (<see cref="SyncOutcome.Settles"/>) under the feature flags the silos run with now; null when none is known. A watch
/// host that finds the job still at that version need not route it again.
/// </remarks>
[GenerateSerializer, Immutable]
public sealed record JobSummary(
    [property: Id(0)] string Uid,
    [property: Id(1)] string? Namespace,
    [property: Id(2)] string? Name,
    [property: Id(3)] string? Owner,
    [property: Id(4)] JobState? PersistedState,
    [property: Id(5)] SyncReason? LastReason,
    [property: Id(6)] string? LastError,
    [property: Id(7)] bool EntryCreated,
    [property: Id(8)] bool RemovedByOwner,
    [property: Id(9)] bool Deleted,
    [property: Id(10)] long Revision,
    [property: Id(11)] DateTimeOffset UpdatedAt,
    [property: Id(12)] string? SettledResourceVersion = null)
{
    /// <summary>Whether the last observation ended in sync (or none was handled yet).</summary>
    public bool IsInSync => LastReason is not { } reason || SyncOutcome.MeansInSync(reason);
}
