using System.Globalization;

namespace AgentJobSync.Grains.Domain;

/// <summary>
/// Merges a job's observed <c>status.nodes</c> into the nodes its entry holds: per alias the newer <c>lastUpdated</c>
/// wins, so a late or replayed observation never takes a node back. A node without a parsable timestamp carries no
/// order: an incoming one replaces only another without one, and never one with a timestamp.
/// </summary>
public static class NodeMerge
{
    /// <summary>The merged nodes (the entry's order, then new aliases in observed order) and whether anything changed.</summary>
    public static (IReadOnlyList<NodeObservation> Nodes, bool Changed) Merge(IReadOnlyList<NodeObservation> existing, IReadOnlyList<NodeObservation> observed)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(observed);
        var merged = existing.ToList();
        var changed = false;
        foreach (var incoming in observed)
        {
            var at = merged.FindIndex(n => n.Alias == incoming.Alias);
            if (at < 0)
            {
                merged.Add(incoming);
                changed = true;
            }
            else if (merged[at] != incoming && Supersedes(incoming.LastUpdated, merged[at].LastUpdated))
            {
                merged[at] = incoming;
                changed = true;
            }
        }

        return (merged, changed);
    }

    /// <summary>Whether a node stamped <paramref name="incoming"/> replaces one stamped <paramref name="current"/>.</summary>
    public static bool Supersedes(string? incoming, string? current)
    {
        var incomingTime = ParseTime(incoming);
        var currentTime = ParseTime(current);
        return (incomingTime, currentTime) switch
        {
            ({ } i, { } c) => i > c,
            ({ }, null) => true,
            (null, { }) => false,
            (null, null) => true,
        };
    }

    /// <summary>An RFC 3339 / ISO 8601 timestamp, or null when the platform wrote something else.</summary>
    public static DateTimeOffset? ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;
}
