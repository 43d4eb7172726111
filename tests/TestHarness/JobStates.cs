namespace AgentJobSync.TestHarness;

/// <summary>The spellings of <c>status.state</c> the platform and its users write, and the entry status each means.</summary>
public static class JobStates
{
    /// <summary>Pending's spellings.</summary>
    public static readonly IReadOnlyList<string> Pending = ["inactive", "Pending", "PENDING", "Inactive"];

    /// <summary>Executing's spellings.</summary>
    public static readonly IReadOnlyList<string> Executing = ["executing", "Executing", "running", "RUNNING"];

    /// <summary>Complete's spellings.</summary>
    public static readonly IReadOnlyList<string> Complete = ["completed", "Complete", "succeeded", "COMPLETED"];

    /// <summary>Error's spellings.</summary>
    public static readonly IReadOnlyList<string> Error = ["error", "Error", "failed", "FAILED"];

    /// <summary>Whether <paramref name="state"/> is a spelling this service reads.</summary>
    public static bool IsKnown(string state) =>
        state is not null && state.Trim().ToLowerInvariant() is "" or "new" or "inactive" or "pending" or "executing" or "running"
            or "completed" or "complete" or "succeeded" or "error" or "failed";

    /// <summary>The capitalized entry status for any spelling (empty: New).</summary>
    public static string Canonical(string state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var s = state.Trim().ToLowerInvariant();
        return s switch
        {
            "" or "new" => "New",
            "inactive" or "pending" => "Pending",
            "executing" or "running" => "Executing",
            "completed" or "complete" or "succeeded" => "Complete",
            "error" or "failed" => "Error",
            _ => throw new ArgumentException($"unknown state {state}", nameof(state)),
        };
    }

    /// <summary>
    /// A random path as the job operator takes it: forward only, with skips, ending in Complete or Error (or, when
    /// <paramref name="mayStop"/>, sometimes earlier), each state in a random spelling.
    /// </summary>
    public static IReadOnlyList<string> RandomPath(Random random, bool mayStop = false)
    {
        ArgumentNullException.ThrowIfNull(random);
        var path = new List<string>();
        if (random.Next(4) != 0)
        {
            path.Add(Pick(random, Pending));
        }

        if (random.Next(5) != 0)
        {
            path.Add(Pick(random, Executing));
        }

        if (!mayStop || random.Next(5) != 0)
        {
            path.Add(Pick(random, random.Next(4) == 0 ? Error : Complete));
        }

        return path;
    }

    private static string Pick(Random random, IReadOnlyList<string> spellings) => spellings[random.Next(spellings.Count)];
}
