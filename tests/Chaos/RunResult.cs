namespace AgentJobSync.Chaos;

/// <summary>One run's faults by kind and its invariant violations (each with a line saying what was wrong).</summary>
internal sealed class RunResult
{
    public Dictionary<string, int> Faults { get; } = new(StringComparer.Ordinal);

    public List<string> Lost { get; } = [];

    public List<string> Duplicated { get; } = [];

    public List<string> Regressed { get; } = [];

    public List<string> Clobbered { get; } = [];

    /// <summary>Job-operator writes that conflicted, or fields of ours on an AgentJob: must stay empty.</summary>
    public List<string> OperatorConflicts { get; } = [];

    public int FaultCount => Faults.Values.Sum();

    public bool Passed => Lost.Count + Duplicated.Count + Regressed.Count + Clobbered.Count + OperatorConflicts.Count == 0;

    public void Count(string kind, int n = 1) => Faults[kind] = Faults.GetValueOrDefault(kind) + n;
}
