using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentJobSync.TestHarness;

namespace AgentJobSync.Chaos;

/// <summary>
/// What the run's actors did, as the checker needs it: the jobs and every version of each the operator wrote (replayed
/// later as duplicates and reorderings), the jobs deleted and their final states, the entries the owners removed and
/// when, and what the manager writers left.
/// </summary>
internal sealed class Ledger(IReadOnlyList<string> owners)
{
    private readonly ConcurrentDictionary<string, List<(JsonObject Job, DateTimeOffset At)>> history = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Owners => owners;

    public ConcurrentBag<OperatorJob> Jobs { get; } = [];

    /// <summary>Entry id → when the owner's removal was acknowledged.</summary>
    public ConcurrentDictionary<string, DateTimeOffset> Removed { get; } = new(StringComparer.Ordinal);

    /// <summary>Job id → the entry status its deletion left (the deleted AgentJob's final state).</summary>
    public ConcurrentDictionary<string, string> Deleted { get; } = new(StringComparer.Ordinal);

    /// <summary>Owner → what the manager writers expect in that document.</summary>
    public Dictionary<string, ManagerExpectation> Managers { get; } = owners.ToDictionary(o => o, _ => new ManagerExpectation(), StringComparer.Ordinal);

    public void Written(OperatorJob job)
    {
        var list = history.GetOrAdd(job.Uid, _ => []);
        lock (list)
        {
            list.Add((job.Cached.DeepClone().AsObject(), DateTimeOffset.UtcNow));
        }
    }

    /// <summary>The versions of <paramref name="uid"/> written so far, oldest first.</summary>
    public IReadOnlyList<(JsonObject Job, DateTimeOffset At)> History(string uid)
    {
        if (!history.TryGetValue(uid, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }
}
