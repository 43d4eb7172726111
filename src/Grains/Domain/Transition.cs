namespace AgentJobSync.Grains.Domain;

/// <summary>What to do with the entry's status for one observation.</summary>
/// <param name="Target">The status to write, or null to leave the status as it is.</param>
/// <param name="Reason">Why (Synced when there is something to write).</param>
public readonly record struct Transition(JobState? Target, SyncReason Reason)
{
    public bool Writes => Target is not null;
}
