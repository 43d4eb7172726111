using System.Collections.Immutable;
using System.Threading.Channels;
using AgentJobSync.Grains;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Model;
using AgentJobSync.WatchHost.Resilience;
using Microsoft.Extensions.Logging;

namespace AgentJobSync.WatchHost.Directory;

/// <summary>
/// Finds jobs deleted while no watch host ran. After each (re)list it pages through the jobs the grains know as live
/// with an entry and, for each one the API server no longer has, queues a deletion built from what the grain persisted
/// (its state, no nodes): the grain then stamps <c>deleted_time</c> and, since it never regresses a state, keeps the
/// last state it wrote. A deleted object the watch delivered and that still waits to be routed (say, in backoff) is
/// kept instead: it carries the job's final state and nodes. The informer alone cannot find these: a fresh process has
/// no cache to compare with.
/// </summary>
public sealed partial class DeletedJobFinder(
    IJobDirectory directory, IJobCache cache, Action<string> enqueue, WatchHostMetrics metrics, TimeProvider time,
    ILogger<DeletedJobFinder> logger)
{
    private const int PageSize = 500;
    // Not SingleReader: that channel cannot count, and a failed comparison asks whether a newer list is waiting.
    private readonly Channel<ListedScope> lists = Channel.CreateUnbounded<ListedScope>();

    /// <summary>Asks for a comparison with <paramref name="listed"/> (called by the informer; never blocks it).</summary>
    public void Compare(ListedScope listed) => lists.Writer.TryWrite(listed);

    /// <summary>Runs the comparisons one at a time until cancelled; a failed one is retried unless a newer list replaced it.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await lists.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (lists.Reader.TryRead(out var listed))
                {
                    await CompareWithRetriesAsync(listed, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    /// <summary>One comparison: returns how many deletions it queued.</summary>
    public async Task<int> CompareOnceAsync(ListedScope listed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listed);
        var found = 0;
        await foreach (var summary in directory.AllLiveAsync(listed.Namespace, PageSize, cancellationToken).ConfigureAwait(false))
        {
            if (IsGone(summary, listed) && FinalObject(summary) is var job && cache.Tombstones.PutReconstructed(job))
            {
                metrics.EventReceived("directory_deleted");
                LogFound(logger, job.Namespace, job.Name, job.Uid, job.State ?? "");
                enqueue(job.Key);
                found++;
            }
        }

        return found;
    }

    // Retried with capped, jittered backoff while the silos are unreachable, until a newer list supersedes this one.
    private async Task CompareWithRetriesAsync(ListedScope listed, CancellationToken cancellationToken)
    {
        var retries = CappedRetry.Forever(
            time, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30),
            e => e is not OperationCanceledException && lists.Reader.Count == 0,
            (e, _, delay) => LogFailed(logger, e, listed.Namespace ?? "*", delay.TotalMilliseconds));
        try
        {
            var found = await retries.ExecuteAsync(
                async token => await CompareOnceAsync(listed, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            LogCompared(logger, listed.Namespace ?? "*", listed.Uids.Count, found);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // The silos may be unreachable for a while; the comparison is retried, never the end of routing.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogSuperseded(logger, e, listed.Namespace ?? "*");
        }
    }

    // Live in the grains' eyes, with an entry to mark, and neither in the list nor in the cache under its UID.
    private bool IsGone(JobSummary summary, ListedScope listed) =>
        summary is { EntryCreated: true, Deleted: false, RemovedByOwner: false, Namespace: not null, Name: not null }
        && !listed.Uids.Contains(summary.Uid)
        && !(cache.TryGet(JobKey.Of(summary.Namespace, summary.Name), out var current) && current.Uid == summary.Uid);

    // The deletion observation: what the grain persisted, no nodes (nodes are merged, so none means untouched).
    private static AgentJob FinalObject(JobSummary summary) => new(
        Namespace: summary.Namespace!,
        Name: summary.Name!,
        Uid: summary.Uid,
        ResourceVersion: null,
        CreationTimestamp: null,
        DeletionTimestamp: summary.UpdatedAt,
        User: summary.Owner,
        AgentId: null,
        Creator: null,
        JobName: null,
        State: summary.PersistedState?.ToString(),
        Nodes: ImmutableArray<AgentJobNode>.Empty);

    // Debug: the comparison's summary counts them, and the grain's outcome is what matters per job.
    [LoggerMessage(Level = LogLevel.Debug, Message = "AgentJob {Namespace}/{Name} ({Uid}) was deleted while no watch host ran; marking its entry deleted (last persisted state {State})")]
    private static partial void LogFound(ILogger logger, string @namespace, string name, string uid, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "compared the list of {Scope} ({Listed} jobs) with the job directory: {Found} deleted while nothing watched")]
    private static partial void LogCompared(ILogger logger, string scope, int listed, int found);

    [LoggerMessage(Level = LogLevel.Warning, Message = "comparing the list of {Scope} with the job directory failed; retrying in {DelayMs} ms")]
    private static partial void LogFailed(ILogger logger, Exception exception, string scope, double delayMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "comparing the list of {Scope} with the job directory failed and a newer list replaces it")]
    private static partial void LogSuperseded(ILogger logger, Exception exception, string scope);
}
