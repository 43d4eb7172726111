using System.Collections.Immutable;
using Orleans.Concurrency;

namespace AgentJobSync.Grains;

/// <summary>
/// Finds jobs the cluster knows (by UID, owner, namespace/name, not in sync, not deleted) without activating their
/// grains: a stateless worker reading the grains' durable bookkeeping. Use key 0.
/// </summary>
public interface IJobDirectoryGrain : IGrainWithIntegerKey
{
    [ReadOnly]
    Task<ImmutableArray<JobSummary>> FindAsync(JobQuery query);
}
