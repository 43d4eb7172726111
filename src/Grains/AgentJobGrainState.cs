using AgentJobSync.Grains.Persistence;

namespace AgentJobSync.Grains;

/// <summary>
/// The grain's own bookkeeping, in Orleans persistent state on a collection of ours (never in the user document, never
/// on the AgentJob). <see cref="EntryCreated"/> is what lets a later activation tell "the owner removed the entry" from
/// "no entry yet", so it is recorded only after the insert was acknowledged.
/// </summary>
[GenerateSerializer]
public sealed class AgentJobGrainState : ISearchableGrainState
{
    /// <summary>The user whose document holds the entry (fixed once the entry exists).</summary>
    [Id(0)]
    public string? Owner { get; set; }

    [Id(1)]
    public bool EntryCreated { get; set; }

    [Id(2)]
    public bool RemovedByOwner { get; set; }

    [Id(3)]
    public long Revision { get; set; }

    [Id(4)]
    public JobState? PersistedState { get; set; }

    [Id(5)]
    public SyncReason? LastReason { get; set; }

    [Id(6)]
    public string? LastError { get; set; }

    [Id(7)]
    public List<TimelineEntry> Timeline { get; set; } = [];

    [Id(8)]
    public string? Namespace { get; set; }

    [Id(9)]
    public string? Name { get; set; }

    [Id(10)]
    public bool Deleted { get; set; }

    /// <summary>The job's UID (the grain's key), stored so the job directory can return it.</summary>
    [Id(11)]
    public string? Uid { get; set; }

    /// <summary>The user named by the job's last observation (the entry may live with <see cref="Owner"/>).</summary>
    [Id(12)]
    public string? ObservedOwner { get; set; }

    /// <summary>
    /// The resourceVersion of the last observation that settled the entry (see <see cref="SyncOutcome.Settles"/>), saved
    /// with whatever is saved next: a stale or missing value only means the watch host routes that version once more.
    /// </summary>
    [Id(13)]
    public string? SettledResourceVersion { get; set; }

    /// <summary>The feature flags (<see cref="Domain.FeatureFlags.Fingerprint"/>) that decision was made under.</summary>
    [Id(14)]
    public string? SettledUnder { get; set; }

    /// <summary>
    /// The entry's index in its owner's <c>jobs</c> when <see cref="Revision"/> was written (saved with it; a stale one
    /// only makes the next guarded write miss and read).
    /// </summary>
    [Id(15)]
    public int? EntryIndex { get; set; }

    /// <summary>The <see cref="Domain.NodesDigest"/> of the observed nodes the entry held at <see cref="Revision"/>.</summary>
    [Id(16)]
    public string? NodesDigest { get; set; }

    /// <summary>What <see cref="JobDirectory"/> searches.</summary>
    public IReadOnlyDictionary<string, object?> SearchFields => new Dictionary<string, object?>
    {
        [JobDirectory.Fields.Uid] = Uid,
        [JobDirectory.Fields.Namespace] = Namespace,
        [JobDirectory.Fields.Name] = Name,
        [JobDirectory.Fields.Owner] = Owner ?? ObservedOwner,
        [JobDirectory.Fields.State] = PersistedState?.ToString(),
        [JobDirectory.Fields.Reason] = LastReason?.ToString(),
        [JobDirectory.Fields.InSync] = LastReason is not { } reason || SyncOutcome.MeansInSync(reason),
        [JobDirectory.Fields.Error] = LastError,
        [JobDirectory.Fields.EntryCreated] = EntryCreated,
        [JobDirectory.Fields.RemovedByOwner] = RemovedByOwner,
        [JobDirectory.Fields.Deleted] = Deleted,
        [JobDirectory.Fields.Revision] = Revision,
        [JobDirectory.Fields.SettledVersion] = SettledResourceVersion,
        [JobDirectory.Fields.SettledUnder] = SettledUnder,
    };
}
