namespace AgentJobSync.Grains;

/// <summary>
/// The states written to a user's job entry, in their only allowed order. The numeric order is the
/// monotonic order: an entry only ever moves to a greater value, and the two terminal states are final.
/// </summary>
[GenerateSerializer]
public enum JobState
{
    New = 0,
    Pending = 1,
    Executing = 2,
    Complete = 3,
    Error = 4,
}
