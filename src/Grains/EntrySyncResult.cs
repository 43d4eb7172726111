namespace AgentJobSync.Grains;

/// <summary>What one sync of an observation did to the owner's document, for the grain's bookkeeping.</summary>
/// <param name="Outcome">What the caller is told.</param>
/// <param name="EntryPresent">The entry was seen or written in the owner's document (it exists, whoever wrote it).</param>
/// <param name="RemovedByOwner">The entry this grain created is gone: a fresh primary read found none.</param>
/// <param name="Written">A state was written by this call (not a node-only or deletion-only update).</param>
/// <param name="CopiesRemoved">Extra copies of the entry removed by this call.</param>
/// <param name="OutputsDropped">Node outputs were left out to fit the entry.</param>
/// <param name="Known">The entry as this call left it, when it knows exactly (for the next call to decide from).</param>
/// <param name="Owner">The user whose document this call read or wrote (null when it failed before reading one).</param>
public sealed record EntrySyncResult(
    SyncOutcome Outcome,
    bool EntryPresent,
    bool RemovedByOwner,
    JobState? Written,
    int CopiesRemoved,
    bool OutputsDropped,
    KnownEntry? Known = null,
    string? Owner = null);
