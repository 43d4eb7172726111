using System.Collections.Concurrent;

namespace AgentJobSync.WatchHost.Routing;

/// <summary>
/// The last outcome per job UID, so the worker reports changes (a Warning when a job stops syncing or changes reason,
/// a Normal event when it syncs again) instead of one Event per attempt, and skips a parked job until its
/// resourceVersion changes (a periodic resync must not retry a permanent failure forever).
/// </summary>
public sealed class JobOutcomeTracker
{
    private readonly ConcurrentDictionary<string, Entry> last = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="reason"/> for <paramref name="uid"/> and returns the reason it replaces (null if none).</summary>
    public string? Record(string uid, string? resourceVersion, string reason, bool inSync, Disposition disposition)
    {
        string? previous = null;
        last.AddOrUpdate(
            uid,
            _ => new Entry(reason, inSync, disposition == Disposition.Parked ? resourceVersion : null),
            (_, old) =>
            {
                previous = old.Reason;
                return new Entry(reason, inSync, disposition == Disposition.Parked ? resourceVersion : null);
            });
        return previous;
    }

    /// <summary>Whether the last outcome of <paramref name="uid"/> was not in sync.</summary>
    public bool WasFailing(string uid) => last.TryGetValue(uid, out var entry) && !entry.InSync;

    /// <summary>Whether <paramref name="uid"/> failed permanently at exactly <paramref name="resourceVersion"/>.</summary>
    public bool IsParkedAt(string uid, string? resourceVersion) =>
        resourceVersion is not null && last.TryGetValue(uid, out var entry) && entry.ParkedAt == resourceVersion;

    /// <summary>Forgets a job that was deleted and routed.</summary>
    public void Forget(string uid) => last.TryRemove(uid, out _);

    /// <summary>How many jobs are tracked.</summary>
    public int Count => last.Count;

    private sealed record Entry(string Reason, bool InSync, string? ParkedAt);
}
