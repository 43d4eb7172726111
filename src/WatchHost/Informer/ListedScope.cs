namespace AgentJobSync.WatchHost.Informer;

/// <summary>
/// One complete (re)list of a scope: the namespace (null: every namespace) and the UIDs the API server returned.
/// A job the grains know as live that is not among them was deleted while nothing watched it.
/// </summary>
public sealed class ListedScope(string? @namespace, IReadOnlySet<string> listed)
{
    /// <summary>The listed namespace, or null for a cluster-wide list.</summary>
    public string? Namespace { get; } = @namespace;

    /// <summary>The UIDs in the list.</summary>
    public IReadOnlySet<string> Uids { get; } = listed;

    /// <summary>Builds a scope from the listed UIDs.</summary>
    public ListedScope(string? @namespace, IEnumerable<string> listed)
        : this(@namespace, (IReadOnlySet<string>)new HashSet<string>(listed, StringComparer.Ordinal))
    {
    }
}
