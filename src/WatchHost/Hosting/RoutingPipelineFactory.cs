using AgentJobSync.WatchHost.Directory;
using AgentJobSync.WatchHost.Events;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Routing;

namespace AgentJobSync.WatchHost.Hosting;

/// <summary>
/// Builds a fresh <see cref="RoutingPipeline"/> for each leadership term: a pipeline's queue is shut down when it stops,
/// and a new term must list afresh anyway (another leader may have routed meanwhile).
/// </summary>
public sealed class RoutingPipelineFactory(
    IAgentJobSource source, IJobRouter router, IJobEventSink events, IJobDirectory directory, RoutingOptions options,
    WatchHostMetrics metrics, TimeProvider time, ILoggerFactory loggers)
{
    /// <summary>A new pipeline, not running yet.</summary>
    public RoutingPipeline Create() => new(source, router, events, options, metrics, time, loggers, seed: null, directory);
}
