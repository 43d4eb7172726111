namespace AgentJobSync.Grains.Domain;

/// <summary>
/// The seed operator's feature flags (each on unless set to something other than <c>true</c>). Off means the field
/// it governs is left untouched: no entry is created, that status is never written, or <c>nodes</c> is never copied.
/// <c>Executing</c> has no flag in the seed and is always written.
/// </summary>
public sealed record FeatureFlags(
    bool NewJobs = true,
    bool InactiveJobs = true,
    bool CompletedJobs = true,
    bool ErrorJobs = true,
    bool NodeStatusUpdates = true)
{
    public static FeatureFlags AllOn { get; } = new();

    /// <summary>The five flags as one short text ("11111" all on), to tell whether a decision was made under these flags.</summary>
    public string Fingerprint => string.Concat(new[] { NewJobs, InactiveJobs, CompletedJobs, ErrorJobs, NodeStatusUpdates }.Select(f => f ? '1' : '0'));

    /// <summary>Whether this status may be written to an entry.</summary>
    public bool Writes(JobState state) => state switch
    {
        JobState.New => true,
        JobState.Pending => InactiveJobs,
        JobState.Executing => true,
        JobState.Complete => CompletedJobs,
        JobState.Error => ErrorJobs,
        _ => false,
    };
}
