using AgentJobSync.Grains;

namespace AgentJobSync.WatchHost.Directory;

/// <summary>Reads the job directory through <see cref="IJobDirectoryGrain"/> (key 0), a stateless worker on the silos.</summary>
public sealed class GrainJobDirectory(IGrainFactory grains) : IJobDirectory
{
    /// <inheritdoc/>
    public async Task<IReadOnlyList<JobSummary>> FindLiveAsync(string? @namespace, string? afterUid, int limit, CancellationToken cancellationToken)
    {
        var page = await grains.GetGrain<IJobDirectoryGrain>(0)
            .FindAsync(new JobQuery { LiveOnly = true, Namespace = @namespace, AfterUid = afterUid, Limit = limit })
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return page;
    }
}
