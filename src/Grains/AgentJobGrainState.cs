namespace AgentJobSync.Grains;

/// <summary>
/// The grain's own bookkeeping, in Orleans persistent state on a collection of ours (never in the user document, never
/// on the AgentJob). <see cref="EntryCreated"/> is what lets a later activation tell "the owner removed the entry" from
/// "no entry yet", so it is recorded only after the insert was acknowledged.
/// </summary>
[GenerateSerializer]
public sealed class AgentJobGrainState
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
}
