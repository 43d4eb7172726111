using AgentJobSync.WatchHost.Events;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Queue;

namespace AgentJobSync.WatchHost.Hosting;

/// <summary>Everything the routing pipeline can be told: what to watch, how many workers, retry and Event limits.</summary>
public sealed record RoutingOptions
{
    /// <summary>Workers calling grains at once (the pipeline's concurrency bound).</summary>
    public int Workers { get; init; } = 16;

    /// <summary>
    /// How long a term's workers wait, at most, for the jobs already settled to be read from the job directory before
    /// they start routing (the reading goes on after that; whatever it has not reached yet is routed).
    /// </summary>
    public TimeSpan SeedWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>What to watch and how the watch recovers.</summary>
    public InformerOptions Informer { get; init; } = new();

    /// <summary>Retry delays.</summary>
    public WorkQueueOptions Queue { get; init; } = new();

    /// <summary>Event de-duplication and rate limits.</summary>
    public EventOptions Events { get; init; } = new();
}
