namespace AgentJobSync.WatchHost.Health;

/// <summary>
/// What the probes read of one routing pipeline: whether its informer has listed every scope, each scope's list/watch
/// progress, the workers' progress with the work waiting for them, and the Event writer's with its backlog.
/// </summary>
/// <param name="HasSynced">Whether every scope was listed (or resumed) at least once.</param>
/// <param name="Watches">One per watched scope.</param>
/// <param name="Workers">Advanced whenever a worker takes or finishes a key.</param>
/// <param name="QueuedWork">Keys ready and waiting for a worker.</param>
/// <param name="EventWriter">Advanced whenever an Event write ends; null without an Event writer.</param>
/// <param name="EventBacklog">Events waiting to be written.</param>
public sealed record PipelineProgress(
    Func<bool> HasSynced, IReadOnlyList<LoopProgress> Watches, LoopProgress Workers, Func<int> QueuedWork, LoopProgress? EventWriter, Func<int> EventBacklog);
