namespace AgentJobSync.Grains;

/// <summary>What the grain did with one observation.</summary>
/// <param name="Reason">Why the observation ended this way.</param>
/// <param name="PersistedState">The state in the owner's entry after the call, if the entry exists.</param>
/// <param name="EntryExists">Whether the owner's document holds the entry after the call.</param>
/// <param name="RemovedByOwner">Whether the owner removed the entry (it is never written again).</param>
/// <param name="Revision">The entry's revision after the call (0 when never written).</param>
/// <param name="Message">Details for people: what was wrong and what to do.</param>
[GenerateSerializer, Immutable]
public sealed record SyncOutcome(
    [property: Id(0)] SyncReason Reason,
    [property: Id(1)] JobState? PersistedState,
    [property: Id(2)] bool EntryExists,
    [property: Id(3)] bool RemovedByOwner,
    [property: Id(4)] long Revision,
    [property: Id(5)] string? Message)
{
    /// <summary>Whether retrying the same observation later may succeed (the watch host requeues with backoff).</summary>
    public bool IsTransient => Reason is SyncReason.DatabaseUnavailable or SyncReason.UserNotFound;

    /// <summary>Whether the entry is where it should be for this observation.</summary>
    public bool IsInSync => MeansInSync(Reason);

    /// <summary>Whether an outcome with this reason leaves the entry where it should be.</summary>
    public static bool MeansInSync(SyncReason reason) =>
        reason is SyncReason.Synced or SyncReason.UpToDate or SyncReason.FeatureDisabled or SyncReason.EntryRemovedByOwner or SyncReason.UserRemoved;

    /// <summary>
    /// Whether an outcome with this reason stays right for as long as the job does not change, so the same version of
    /// the job need not be routed again. <see cref="SyncReason.FeatureDisabled"/> does not: the flag may be turned on.
    /// </summary>
    public static bool Settles(SyncReason reason) =>
        reason is SyncReason.Synced or SyncReason.UpToDate or SyncReason.EntryRemovedByOwner or SyncReason.UserRemoved;
}
