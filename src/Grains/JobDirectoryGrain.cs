using System.Collections.Immutable;
using Orleans.Concurrency;

namespace AgentJobSync.Grains;

/// <summary>
/// The job directory as a grain: a stateless worker, so every silo answers locally and searches run in parallel.
/// </summary>
[StatelessWorker]
public sealed class JobDirectoryGrain(JobDirectory directory) : Grain, IJobDirectoryGrain
{
    public Task<ImmutableArray<JobSummary>> FindAsync(JobQuery query) => directory.FindAsync(query, CancellationToken.None);
}
