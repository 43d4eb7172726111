using AgentJobSync.Grains;

namespace AgentJobSync.WatchHost.Directory;

/// <summary>
/// The jobs the grains know as live (entry created, deletion not recorded), page by page in UID order. An interface so
/// the comparison with a relist is tested without a cluster.
/// </summary>
public interface IJobDirectory
{
    /// <summary>Live jobs of <paramref name="namespace"/> (null: all) with a UID after <paramref name="afterUid"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<JobSummary>> FindLiveAsync(string? @namespace, string? afterUid, int limit, CancellationToken cancellationToken);
}
