using AgentJobSync.Grains;

namespace AgentJobSync.WatchHost.Routing;

/// <summary>Delivers one observation to its job's grain. An interface so the worker is tested without a cluster.</summary>
public interface IJobRouter
{
    /// <summary>Delivers <paramref name="observation"/> and returns the grain's outcome; throws when the grain cannot be reached.</summary>
    Task<SyncOutcome> RouteAsync(JobObservation observation, CancellationToken cancellationToken);
}
