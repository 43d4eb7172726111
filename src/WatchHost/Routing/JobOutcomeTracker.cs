using System.Collections.Concurrent;
using AgentJobSync.Grains;

namespace AgentJobSync.WatchHost.Routing;

/// <summary>
/// The last outcome per job UID, so the worker reports changes (a Warning when a job stops syncing or changes reason,
/// a Normal event when it syncs again) instead of one Event per attempt, and skips a job that is settled at the
/// resourceVersion it has now: in sync there, or failed permanently there. As sample-controller's update handler
/// ignores an update with an unchanged resourceVersion, a periodic resync or a relist then costs a dictionary lookup
/// per job instead of a grain activation and two database reads, and a permanent failure is not retried forever.
/// </summary>
public sealed class JobOutcomeTracker
{
    private readonly ConcurrentDictionary<string, Entry> last = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="reason"/> for <paramref name="uid"/> and returns the reason it replaces (null if none).</summary>
    public string? Record(string uid, string? resourceVersion, string reason, bool inSync, Disposition disposition)
    {
        string? previous = null;
        var entry = new Entry(reason, inSync, SettlesAt(resourceVersion, reason, disposition), disposition);
        last.AddOrUpdate(
            uid,
            _ => entry,
            (_, old) =>
            {
                previous = old.Reason;
                return entry;
            });
        return previous;
    }

    /// <summary>
    /// Remembers that <paramref name="uid"/> is known to the grains (the job directory's word, read when a leadership term
    /// starts), settled in sync at <paramref name="resourceVersion"/> when that is given; an outcome recorded here wins.
    /// </summary>
    public bool Seed(string uid, string? resourceVersion) =>
        last.TryAdd(uid, new Entry(nameof(SyncReason.Synced), true, resourceVersion, Disposition.Done));

    /// <summary>Whether <paramref name="uid"/> reached its grain before: seeded from the directory, or an outcome recorded.</summary>
    public bool Knows(string uid) => last.ContainsKey(uid);

    /// <summary>Whether the last outcome of <paramref name="uid"/> was not in sync.</summary>
    public bool WasFailing(string uid) => last.TryGetValue(uid, out var entry) && !entry.InSync;

    /// <summary>
    /// Whether <paramref name="uid"/> is settled at exactly <paramref name="resourceVersion"/>, and if so what its
    /// outcome there was (<see cref="Disposition.Done"/> in sync, <see cref="Disposition.Parked"/> failed permanently).
    /// </summary>
    public bool IsSettledAt(string uid, string? resourceVersion, out Disposition disposition)
    {
        if (resourceVersion is not null && last.TryGetValue(uid, out var entry) && entry.SettledAt == resourceVersion)
        {
            disposition = entry.Disposition;
            return true;
        }

        disposition = default;
        return false;
    }

    /// <summary>Forgets a job that was deleted and routed.</summary>
    public void Forget(string uid) => last.TryRemove(uid, out _);

    /// <summary>How many jobs are tracked.</summary>
    public int Count => last.Count;

    // In sync for good at this version (SyncOutcome.Settles: not FeatureDisabled, whose flag may be turned on while the
    // job stays at this version), or failed for good at it.
    private static string? SettlesAt(string? resourceVersion, string reason, Disposition disposition) =>
        disposition == Disposition.Parked
        || (disposition == Disposition.Done && Enum.TryParse<SyncReason>(reason, out var r) && SyncOutcome.Settles(r))
            ? resourceVersion
            : null;

    private sealed record Entry(string Reason, bool InSync, string? SettledAt, Disposition Disposition);
}
