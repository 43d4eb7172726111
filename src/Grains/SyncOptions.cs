using AgentJobSync.Grains.Domain;

namespace AgentJobSync.Grains;

/// <summary>How the AgentJob grain syncs: the seed's feature flags and its retry budget for transient database errors.</summary>
public sealed class SyncOptions
{
    public FeatureFlags Flags { get; set; } = FeatureFlags.AllOn;

    /// <summary>
    /// How long one call may keep retrying transient database errors before it answers
    /// <see cref="SyncReason.DatabaseUnavailable"/> (the watch host then requeues with its own capped backoff). Short, so
    /// one job's trouble never holds the caller for long.
    /// </summary>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromSeconds(4);

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Reads and conditional writes per call before giving up on a document that keeps changing under us.</summary>
    public int MaxAttempts { get; set; } = 16;

    /// <summary>
    /// How long the grain's history (revision, persisted state, timeline) may wait before it is saved, when no fact forces
    /// a save sooner. Every transition within the window shares one save, so a burst of transitions costs one database
    /// write each (the entry) plus one save per job; a crash loses at most this much of the dashboard's timeline and
    /// nothing the invariants depend on. Deactivation always saves.
    /// </summary>
    public TimeSpan HistorySaveDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Persisted transitions kept in the grain's timeline (the dashboard shows them).</summary>
    public int TimelineLength { get; set; } = 32;
}
