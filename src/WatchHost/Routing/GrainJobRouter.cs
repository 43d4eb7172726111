using AgentJobSync.Grains;

namespace AgentJobSync.WatchHost.Routing;

/// <summary>Routes an observation to <see cref="IAgentJobGrain"/> keyed by the job's UID, through the Orleans client.</summary>
public sealed class GrainJobRouter(IGrainFactory grains) : IJobRouter
{
    /// <inheritdoc/>
    public Task<SyncOutcome> RouteAsync(JobObservation observation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return grains.GetGrain<IAgentJobGrain>(observation.Uid).ObserveAsync(observation).WaitAsync(cancellationToken);
    }
}
