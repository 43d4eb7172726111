namespace AgentJobSync.Chaos;

/// <summary>
/// One run's injected faults by kind, its replayed observations, its membership figures and its invariant violations
/// (each with a line saying what was wrong).
/// </summary>
internal sealed class RunResult
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, int> faults = new(StringComparer.Ordinal);

    /// <summary>Injected faults by kind (replays are not faults).</summary>
    public IReadOnlyDictionary<string, int> Faults
    {
        get
        {
            lock (gate)
            {
                return new Dictionary<string, int>(faults, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Duplicated or reordered observations sent straight to the grains.</summary>
    public int Replays { get; set; }

    /// <summary>Membership objects declared Dead during the run, and how many of those incarnations no fault took down.</summary>
    public int DeclaredDead { get; set; }

    public int DeclaredDeadUnprovoked { get; set; }

    /// <summary>Silo processes started again after a fault, and after they exited on their own.</summary>
    public int FaultRestarts { get; set; }

    public int UnplannedRestarts { get; set; }

    /// <summary>Silos and watch hosts that exited while starting (the control plane away) and were started again.</summary>
    public int StartCrashes { get; set; }

    public List<string> Lost { get; } = [];

    public List<string> Duplicated { get; } = [];

    public List<string> Regressed { get; } = [];

    public List<string> Clobbered { get; } = [];

    /// <summary>Job-operator writes that conflicted, or fields of ours on an AgentJob: must stay empty.</summary>
    public List<string> OperatorConflicts { get; } = [];

    /// <summary>A frozen silo not declared dead or still running after it woke, dead objects not cleaned up: must stay empty.</summary>
    public List<string> MembershipFailures { get; } = [];

    public int FaultCount
    {
        get
        {
            lock (gate)
            {
                return faults.Values.Sum();
            }
        }
    }

    public bool Passed => Lost.Count + Duplicated.Count + Regressed.Count + Clobbered.Count + OperatorConflicts.Count + MembershipFailures.Count == 0;

    public void Count(string kind)
    {
        lock (gate)
        {
            faults[kind] = faults.GetValueOrDefault(kind) + 1;
        }
    }

    public void MembershipFailure(string line)
    {
        lock (gate)
        {
            MembershipFailures.Add(line);
        }
    }
}
