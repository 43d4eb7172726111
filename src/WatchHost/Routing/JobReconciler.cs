using AgentJobSync.Grains;
using AgentJobSync.WatchHost.Events;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Model;
using AgentJobSync.WatchHost.Queue;
using Microsoft.Extensions.Logging;

namespace AgentJobSync.WatchHost.Routing;

/// <summary>
/// The worker's step for one key (level-triggered, as sample-controller's syncHandler): route the final objects of
/// deleted jobs under the key, then the current object from the cache, each to its grain; report changes of outcome as
/// Events; tell the queue to forget, back off, retry slowly, or leave the key until the object changes.
/// </summary>
public sealed partial class JobReconciler(
    IJobCache cache, IJobRouter router, IJobEventSink events, JobOutcomeTracker outcomes, WatchHostMetrics metrics,
    TimeProvider time, ILogger<JobReconciler> logger)
{
    /// <summary>The reason recorded when the grain could not be reached at all.</summary>
    public const string GrainUnavailable = "GrainUnavailable";

    /// <summary>Reconciles <paramref name="key"/> and applies the result to <paramref name="queue"/>.</summary>
    public async Task HandleAsync(WorkQueue queue, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        switch (await ReconcileAsync(key, cancellationToken).ConfigureAwait(false))
        {
            case Disposition.Retry:
                metrics.Retried("backoff");
                queue.AddRateLimited(key);
                break;
            case Disposition.SlowRetry:
                metrics.Retried("slow");
                queue.AddSlowRetry(key);
                break;
            default:
                queue.Forget(key);
                break;
        }
    }

    /// <summary>Routes everything under <paramref name="key"/> and returns what the queue should do next.</summary>
    public async Task<Disposition> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var result = Disposition.Done;
        foreach (var gone in cache.Tombstones.Get(key))
        {
            var disposition = await RouteAsync(gone, deleted: true, cancellationToken).ConfigureAwait(false);
            if (disposition is Disposition.Done or Disposition.Parked)
            {
                cache.Tombstones.Remove(gone);
                outcomes.Forget(gone.Uid);
            }

            result = Max(result, disposition);
        }

        if (cache.TryGet(key, out var job))
        {
            result = Max(result, await RouteAsync(job, deleted: false, cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    private async Task<Disposition> RouteAsync(AgentJob job, bool deleted, CancellationToken cancellationToken)
    {
        if (!deleted && outcomes.IsSettledAt(job.Uid, job.ResourceVersion, out var settled))
        {
            metrics.Skipped(settled == Disposition.Parked ? "parked" : "in_sync");
            return settled;
        }

        using var activity = ReconcileTrace.Start(job, deleted);
        var observation = ObservationTranslator.Translate(job, deleted, time.GetUtcNow(), firstSight: !outcomes.Knows(job.Uid));
        string reason;
        string note;
        bool inSync;
        Disposition disposition;
        try
        {
            var outcome = await router.RouteAsync(observation, cancellationToken).ConfigureAwait(false);
            reason = outcome.Reason.ToString();
            inSync = outcome.IsInSync;
            disposition = OutcomePolicy.Classify(outcome);
            note = outcome.Message ?? reason;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // An unreachable grain (silo down, timeout) is a transient failure of this key, not of the worker.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogGrainUnavailable(logger, e, job.Namespace, job.Name, job.Uid);
            reason = GrainUnavailable;
            inSync = false;
            disposition = Disposition.Retry;
            note = "the job's grain could not be reached: " + e.Message;
        }

        activity?.SetTag("agentjob.outcome", reason);
        metrics.Reconciled(reason);
        var wasFailing = outcomes.WasFailing(job.Uid);
        var previous = outcomes.Record(job.Uid, job.ResourceVersion, reason, inSync, disposition);
        if (!inSync && previous != reason)
        {
            LogNotInSync(logger, job.Namespace, job.Name, job.Uid, reason, note);
            events.Report(job, new JobEvent(JobEvent.Warning, reason, note));
        }
        else if (inSync && wasFailing)
        {
            events.Report(job, new JobEvent(JobEvent.Normal, nameof(SyncReason.Synced), $"the job is in sync again ({reason})"));
        }

        return disposition;
    }

    private static Disposition Max(Disposition a, Disposition b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Warning, Message = "AgentJob {Namespace}/{Name} ({Uid}) is not in sync: {Reason}: {Note}")]
    private static partial void LogNotInSync(ILogger logger, string @namespace, string name, string uid, string reason, string note);

    // Debug: the not-in-sync Warning (once per change of reason) already says it, with the error's message.
    [LoggerMessage(Level = LogLevel.Debug, Message = "the grain of AgentJob {Namespace}/{Name} ({Uid}) could not be reached")]
    private static partial void LogGrainUnavailable(ILogger logger, Exception exception, string @namespace, string name, string uid);
}
