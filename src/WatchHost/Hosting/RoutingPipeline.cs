using AgentJobSync.WatchHost.Directory;
using AgentJobSync.WatchHost.Events;
using AgentJobSync.WatchHost.Health;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Queue;
using AgentJobSync.WatchHost.Routing;
using Microsoft.Extensions.Logging;

namespace AgentJobSync.WatchHost.Hosting;

/// <summary>
/// The watch host's routing pipeline put together: informer → keyed work queue → workers → grains, with Events about
/// jobs written beside it, and (given a job directory) deletions that happened while nothing watched found after each
/// list. <see cref="RunAsync(CancellationToken, CancellationToken)"/> runs until stopped; one pipeline serves one
/// leadership term (its queue cannot be restarted).
/// </summary>
public sealed class RoutingPipeline : IDisposable
{
    private readonly RoutingOptions options;
    private readonly KubernetesEventRecorder? recorder;
    private readonly WorkerPool pool;
    private readonly DeletedJobFinder? finder;
    private readonly SettledJobSeeder? seeder;
    private readonly TimeProvider time;

    /// <summary>
    /// Builds the pipeline; <paramref name="seed"/> resumes from a previous informer's knowledge; with
    /// <paramref name="directory"/>, every list is compared with the jobs the grains know to find deletions missed.
    /// </summary>
    public RoutingPipeline(
        IAgentJobSource source, IJobRouter router, IJobEventSink events, RoutingOptions options, WatchHostMetrics metrics,
        TimeProvider time, ILoggerFactory loggers, InformerSnapshot? seed = null, IJobDirectory? directory = null)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentNullException.ThrowIfNull(metrics);
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        recorder = events as KubernetesEventRecorder;
        Queue = new WorkQueue(options.Queue, time);
        metrics.ObserveQueueDepth(() => Queue.Count);
        Informer = new AgentJobInformer(
            source, options.Informer, Queue.Add, metrics, time, loggers.CreateLogger<AgentJobInformer>(), seed,
            directory is null ? null : listed => finder?.Compare(listed));
        if (directory is not null)
        {
            finder = new DeletedJobFinder(directory, Informer, Queue.Add, metrics, time, loggers.CreateLogger<DeletedJobFinder>());
        }

        Outcomes = new JobOutcomeTracker();
        if (directory is not null)
        {
            IReadOnlyList<string?> scopes = options.Informer.Namespaces.Count == 0 ? [null] : [.. options.Informer.Namespaces];
            seeder = new SettledJobSeeder(directory, Outcomes, scopes, loggers.CreateLogger<SettledJobSeeder>());
        }

        var reconciler = new JobReconciler(Informer, router, events, Outcomes, metrics, time, loggers.CreateLogger<JobReconciler>());
        pool = new WorkerPool(Queue, (key, ct) => reconciler.HandleAsync(Queue, key, ct), loggers.CreateLogger<WorkerPool>(), time);
        Progress = new PipelineProgress(
            () => Informer.HasSynced, Informer.WatchProgress, pool.Progress, () => Queue.Count, recorder?.Progress, () => recorder?.Backlog ?? 0);
    }

    /// <summary>The informer (cache, tombstones, snapshot).</summary>
    public AgentJobInformer Informer { get; }

    /// <summary>The work queue.</summary>
    public WorkQueue Queue { get; }

    /// <summary>The progress of the pipeline's loops, for the probes.</summary>
    public PipelineProgress Progress { get; }

    /// <summary>The last outcome per job.</summary>
    public JobOutcomeTracker Outcomes { get; }

    /// <summary>Lists, watches and routes until <paramref name="cancellationToken"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(cancellationToken, cancellationToken);

    /// <summary>
    /// Lists, watches and routes until <paramref name="stop"/>: then nothing new is taken and the grain calls in flight
    /// finish; <paramref name="abort"/> cancels those too (a leader that lost its lease must stop at once).
    /// </summary>
    public async Task RunAsync(CancellationToken stop, CancellationToken abort)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, abort);
        var seeding = seeder?.SeedAsync(linked.Token) ?? Task.CompletedTask;
        var informer = Informer.RunAsync(linked.Token);
        var writer = recorder?.RunAsync(linked.Token) ?? Task.CompletedTask;
        var deletions = finder?.RunAsync(linked.Token) ?? Task.CompletedTask;
        // The informer lists meanwhile (its keys wait in the queue); workers start once the settled jobs are known.
        await Task.WhenAny(seeding, Task.Delay(options.SeedWait, time, linked.Token)).ConfigureAwait(false);
        var workers = pool.RunAsync(options.Workers, linked.Token, abort);
        try
        {
            await informer.ConfigureAwait(false);
        }
        finally
        {
            Queue.ShutDown();
            await Task.WhenAll(workers, writer, deletions, seeding).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Queue.Dispose();
}
