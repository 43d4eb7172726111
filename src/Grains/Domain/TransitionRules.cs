namespace AgentJobSync.Grains.Domain;

/// <summary>
/// The monotonic order <c>New → Pending → Executing → Complete | Error</c>: an entry only ever moves forward, skips are
/// fine, and a terminal state is final. Replays, reordering and duplicate writers therefore become no-ops.
/// </summary>
public static class TransitionRules
{
    /// <summary>
    /// The status to write when the entry holds <paramref name="persisted"/> (null: no entry yet) and the job was seen in
    /// <paramref name="observed"/>. A new entry whose observed state is disabled is created as the highest enabled state
    /// below it (at least New), so the job still appears.
    /// </summary>
    public static Transition Decide(JobState? persisted, JobState observed, FeatureFlags flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        if (persisted is null)
        {
            if (!flags.NewJobs)
            {
                return new Transition(null, SyncReason.FeatureDisabled);
            }

            return new Transition(HighestEnabledAtOrBelow(observed, flags), SyncReason.Synced);
        }

        var current = persisted.Value;
        if (JobStates.IsTerminal(current) || observed <= current)
        {
            return new Transition(null, SyncReason.UpToDate);
        }

        return flags.Writes(observed)
            ? new Transition(observed, SyncReason.Synced)
            : new Transition(null, SyncReason.FeatureDisabled);
    }

    private static JobState HighestEnabledAtOrBelow(JobState observed, FeatureFlags flags)
    {
        for (var state = observed; state > JobState.New; state--)
        {
            // Complete and Error are alternatives, not steps: a disabled Error does not fall back to Complete.
            if (flags.Writes(state) && !(observed == JobState.Error && state == JobState.Complete))
            {
                return state;
            }
        }

        return JobState.New;
    }
}
