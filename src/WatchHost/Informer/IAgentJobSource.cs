namespace AgentJobSync.WatchHost.Informer;

/// <summary>
/// Where the informer lists and watches AgentJobs: the API server in production (<see cref="KubernetesAgentJobSource"/>),
/// a scripted source in unit tests of the informer's branches (410, errors, bookmarks).
/// </summary>
public interface IAgentJobSource
{
    /// <summary>Lists the jobs of <paramref name="ns"/> (all namespaces when null) with the list's resourceVersion.</summary>
    Task<AgentJobListing> ListAsync(string? ns, CancellationToken cancellationToken);

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/> until the server ends the stream. Throws
    /// <see cref="ResourceExpiredException"/> when that version is too old (HTTP 410 or an ERROR event with code 410).
    /// </summary>
    IAsyncEnumerable<AgentJobWatchEvent> WatchAsync(string? ns, string resourceVersion, CancellationToken cancellationToken);
}
