using AgentJobSync.WatchHost.Events;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Queue;
using AgentJobSync.WatchHost.Routing;
using Microsoft.Extensions.Logging;

namespace AgentJobSync.WatchHost.Hosting;

/// <summary>
/// The watch host's routing pipeline put together: informer → keyed work queue → workers → grains, with Events about
/// jobs written beside it. <see cref="RunAsync"/> runs until cancelled; the process wiring (hosted service, liveness
/// when it stops) builds on it.
/// </summary>
public sealed class RoutingPipeline : IDisposable
{
    private readonly RoutingOptions options;
    private readonly KubernetesEventRecorder? recorder;
    private readonly WorkerPool pool;

    /// <summary>Builds the pipeline; <paramref name="seed"/> resumes from a previous informer's knowledge.</summary>
    public RoutingPipeline(
        IAgentJobSource source, IJobRouter router, IJobEventSink events, RoutingOptions options, WatchHostMetrics metrics,
        TimeProvider time, ILoggerFactory loggers, InformerSnapshot? seed = null)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentNullException.ThrowIfNull(metrics);
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        recorder = events as KubernetesEventRecorder;
        Queue = new WorkQueue(options.Queue, time);
        metrics.ObserveQueueDepth(() => Queue.Count);
        Informer = new AgentJobInformer(source, options.Informer, Queue.Add, metrics, time, loggers.CreateLogger<AgentJobInformer>(), seed);
        Outcomes = new JobOutcomeTracker();
        var reconciler = new JobReconciler(Informer, router, events, Outcomes, metrics, time, loggers.CreateLogger<JobReconciler>());
        pool = new WorkerPool(Queue, (key, ct) => reconciler.HandleAsync(Queue, key, ct), loggers.CreateLogger<WorkerPool>());
    }

    /// <summary>The informer (cache, tombstones, snapshot).</summary>
    public AgentJobInformer Informer { get; }

    /// <summary>The work queue.</summary>
    public WorkQueue Queue { get; }

    /// <summary>The last outcome per job.</summary>
    public JobOutcomeTracker Outcomes { get; }

    /// <summary>Lists, watches and routes until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var informer = Informer.RunAsync(cancellationToken);
        var writer = recorder?.RunAsync(cancellationToken) ?? Task.CompletedTask;
        var workers = pool.RunAsync(options.Workers, cancellationToken);
        try
        {
            await informer.ConfigureAwait(false);
        }
        finally
        {
            Queue.ShutDown();
            await Task.WhenAll(workers, writer).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Queue.Dispose();
}
