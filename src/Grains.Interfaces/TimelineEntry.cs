namespace AgentJobSync.Grains;

/// <summary>One persisted transition of a job's entry.</summary>
/// <param name="State">The state written.</param>
/// <param name="Revision">The entry's revision after the write.</param>
/// <param name="ObservedAt">When the watch host read the job in this state.</param>
/// <param name="PersistedAt">When the write was acknowledged by the database.</param>
[GenerateSerializer, Immutable]
public sealed record TimelineEntry(
    [property: Id(0)] JobState State,
    [property: Id(1)] long Revision,
    [property: Id(2)] DateTimeOffset ObservedAt,
    [property: Id(3)] DateTimeOffset PersistedAt)
{
    /// <summary>From observation to persisted entry.</summary>
    public TimeSpan Lag => PersistedAt - ObservedAt;
}
