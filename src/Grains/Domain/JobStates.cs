namespace AgentJobSync.Grains.Domain;

/// <summary>Reads <c>status.state</c> in every spelling the platform has used, in any case.</summary>
public static class JobStates
{
    private static readonly Dictionary<string, JobState> Spellings = new(StringComparer.OrdinalIgnoreCase)
    {
        [""] = JobState.New,
        ["new"] = JobState.New,
        ["inactive"] = JobState.Pending,
        ["pending"] = JobState.Pending,
        ["executing"] = JobState.Executing,
        ["running"] = JobState.Executing,
        ["completed"] = JobState.Complete,
        ["complete"] = JobState.Complete,
        ["succeeded"] = JobState.Complete,
        ["error"] = JobState.Error,
        ["failed"] = JobState.Error,
    };

    /// <summary>The state a raw <c>status.state</c> means, or null when it is not one this service knows.</summary>
    public static JobState? Parse(string? raw) => Spellings.TryGetValue(raw?.Trim() ?? string.Empty, out var state) ? state : null;

    /// <summary>The capitalized name written to the entry.</summary>
    public static string Name(JobState state) => state.ToString();

    /// <summary>Complete and Error are final.</summary>
    public static bool IsTerminal(JobState state) => state is JobState.Complete or JobState.Error;
}
