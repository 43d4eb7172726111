using AgentJobSync.Grains;

namespace AgentJobSync.Dashboard.Api;

/// <summary>One job as the sync view's detail panel shows it: the grain's inspection plus whether it is in sync.</summary>
public sealed record JobDetail(
    string Uid,
    string? Namespace,
    string? Name,
    string? Owner,
    JobState? PersistedState,
    string? ObservedState,
    long Revision,
    SyncReason? LastReason,
    string? LastError,
    bool InSync,
    bool EntryCreated,
    bool RemovedByOwner,
    bool Deleted,
    string? Silo,
    IReadOnlyList<TimelineRow> Timeline)
{
    /// <summary>The view of <paramref name="inspection"/>; <paramref name="inSync"/> comes from the directory's summary.</summary>
    public static JobDetail From(JobInspection inspection, bool inSync)
    {
        ArgumentNullException.ThrowIfNull(inspection);
        return new JobDetail(
            inspection.Uid, inspection.Namespace, inspection.Name, inspection.Owner, inspection.PersistedState, inspection.ObservedState,
            inspection.Revision, inspection.LastReason, inspection.LastError, inSync, inspection.EntryCreated, inspection.RemovedByOwner,
            inspection.Deleted, inspection.Silo,
            [.. inspection.Timeline.Select(t => new TimelineRow(t.State, t.Revision, t.ObservedAt, t.PersistedAt, t.Lag.TotalMilliseconds))]);
    }
}
