using System.Collections.Concurrent;
using AgentJobSync.WatchHost.Health;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Model;
using AgentJobSync.WatchHost.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace AgentJobSync.WatchHost.Informer;

/// <summary>
/// List+watch of AgentJobs into a cache keyed by <c>namespace/name</c>, in the manner of client-go's reflector and
/// informer. It lists once, then watches from the list's resourceVersion and resumes from the last version seen
/// (bookmarks included) whenever the stream ends; 410 Gone forces a fresh list, any other failure a reconnect after a
/// capped, jittered backoff, and a run of failures a fresh list. Each watch has a read deadline beyond the server's own
/// timeout, so a stalled connection fails instead of hanging; every scope reports its progress for the probes. A list replaces the cache and reports as deletions the jobs that vanished while nothing
/// watched. Handlers only enqueue keys: the worker reads the cache (or the <see cref="Tombstones"/> of deleted jobs)
/// when it gets to the key, so it always routes the latest state. A periodic resync queues every cached key again.
/// </summary>
public sealed partial class AgentJobInformer : IJobCache
{
    private readonly IAgentJobSource source;
    private readonly InformerOptions options;
    private readonly Action<string> enqueue;
    private readonly WatchHostMetrics metrics;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<string, AgentJob> cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> synced = new(StringComparer.Ordinal);
    private readonly string? seedVersion;
    private readonly Action<ListedScope>? listed;
    private readonly LoopProgress[] progress;
    private readonly ResiliencePipeline watchDeadline;
    private string? lastVersion;

    /// <summary>
    /// Creates an informer; <paramref name="seed"/> resumes from what a previous informer knew; <paramref name="listed"/>
    /// hears of every complete (re)list, so jobs the API server no longer has can be looked for elsewhere.
    /// </summary>
    public AgentJobInformer(
        IAgentJobSource source, InformerOptions options, Action<string> enqueue, WatchHostMetrics metrics, TimeProvider time,
        ILogger<AgentJobInformer> logger, InformerSnapshot? seed = null, Action<ListedScope>? listed = null)
    {
        this.listed = listed;
        this.source = source ?? throw new ArgumentNullException(nameof(source));
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        this.enqueue = enqueue ?? throw new ArgumentNullException(nameof(enqueue));
        this.metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        foreach (var job in seed?.Jobs ?? [])
        {
            cache[job.Key] = job;
        }

        seedVersion = seed?.ResourceVersion;
        lastVersion = seedVersion;
        progress = [.. Scopes.Select(scope => new LoopProgress("list/watch of " + (scope ?? "all namespaces"), time))];
        watchDeadline = new ResiliencePipelineBuilder { TimeProvider = time }.AddTimeout(options.WatchReadDeadline).Build();
    }

    /// <inheritdoc/>
    public TombstoneStore Tombstones { get; } = new();

    /// <summary>Whether every watched scope has been listed or resumed at least once.</summary>
    public bool HasSynced => Scopes.All(s => synced.ContainsKey(s ?? string.Empty));

    /// <summary>The last resourceVersion seen by any scope.</summary>
    public string? LastResourceVersion => Volatile.Read(ref lastVersion);

    private IReadOnlyList<string?> Scopes => options.Namespaces.Count == 0 ? [null] : [.. options.Namespaces];

    /// <inheritdoc/>
    public bool TryGet(string key, out AgentJob job) => cache.TryGetValue(key, out job!);

    /// <summary>The cached keys.</summary>
    public IReadOnlyCollection<string> Keys => [.. cache.Keys];

    /// <summary>What this informer knows now, to seed a later one.</summary>
    public InformerSnapshot Snapshot() => new([.. cache.Values], LastResourceVersion);

    /// <summary>The progress of each scope's list/watch (a list completed, a watch event or bookmark received, a watch ended by the server).</summary>
    public IReadOnlyList<LoopProgress> WatchProgress => progress;

    /// <summary>Lists and watches every scope, and resyncs, until <paramref name="cancellationToken"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll([.. Scopes.Select((scope, i) => ListAndWatchAsync(scope, progress[i], cancellationToken)), ResyncAsync(cancellationToken)]);

    private async Task ListAndWatchAsync(string? scope, LoopProgress scopeProgress, CancellationToken cancellationToken)
    {
        var position = new WatchPosition(seedVersion);
        var reconnect = ReconnectPipeline(scope ?? "*", position, scopeProgress, cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await reconnect.ExecuteAsync(ct => WatchOnceAsync(scope, position, scopeProgress, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    // One list (when needed) and one watch, ending when the server ends the watch. Throws when nothing was achieved, so
    // the reconnect pipeline backs off; a watch that delivered events and then broke is resumed at once instead.
    private async ValueTask WatchOnceAsync(string? scope, WatchPosition position, LoopProgress scopeProgress, CancellationToken cancellationToken)
    {
        var received = false;
        try
        {
            if (position.Version is null)
            {
                position.Version = await RelistAsync(scope, position.RelistCause, cancellationToken).ConfigureAwait(false);
                scopeProgress.Advanced();
            }

            synced.TryAdd(scope ?? string.Empty, true);
            await watchDeadline.ExecuteAsync(
                async ct =>
                {
                    await foreach (var change in source.WatchAsync(scope, position.Version, ct).ConfigureAwait(false))
                    {
                        received = true;
                        scopeProgress.Advanced();
                        position.Version = Apply(change) ?? position.Version;
                    }
                },
                cancellationToken).ConfigureAwait(false);

            // The server ended the watch (its timeout): resume from the last version seen.
            scopeProgress.Advanced();
            metrics.WatchRestarted("closed");
        }
        catch (ResourceExpiredException e)
        {
            LogExpired(logger, scope ?? "*", position.Version ?? "", e.Message);
            metrics.WatchRestarted("expired");
            position.Version = null;
            position.RelistCause = "expired";
        }
        catch (Exception e) when (received && !cancellationToken.IsCancellationRequested)
        {
            metrics.WatchRestarted("error");
            LogWatchBroke(logger, e, scope ?? "*", position.Version ?? "");
        }
    }

    // Retries a failed list or watch forever with capped, jittered exponential backoff; after RelistAfterFailures
    // consecutive failures the scope is listed afresh instead of resumed (a resourceVersion the server keeps rejecting
    // with something other than 410 would otherwise be retried for ever).
    private ResiliencePipeline ReconnectPipeline(string scope, WatchPosition position, LoopProgress scopeProgress, CancellationToken cancellationToken) =>
        CappedRetry.Forever(
            time, options.ReconnectBase, options.ReconnectCap,
            _ => !cancellationToken.IsCancellationRequested,
            (error, attempt, delay) =>
            {
                var failures = attempt + 1;
                metrics.WatchRestarted("error");
                scopeProgress.Failed(FailureText.Describe(error));
                if (failures >= options.RelistAfterFailures && position.Version is not null)
                {
                    position.Version = null;
                    position.RelistCause = "errors";
                }

                LogWatchFailed(logger, error, scope, FailureText.Describe(error), failures, delay.TotalMilliseconds, position.Version is null);
            });

    private async Task<string> RelistAsync(string? scope, string cause, CancellationToken cancellationToken)
    {
        var listing = await source.ListAsync(scope, cancellationToken).ConfigureAwait(false);
        metrics.Relisted(cause);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in listing.Items)
        {
            listed.Add(job.Key);
            if (cache.TryGetValue(job.Key, out var previous) && previous.Uid != job.Uid)
            {
                // Deleted and re-created under the same name while nothing watched: the old one is a deletion.
                Tombstones.Put(previous);
            }

            cache[job.Key] = job;
            metrics.EventReceived("relist_added");
            enqueue(job.Key);
        }

        foreach (var (key, job) in cache)
        {
            if ((scope is null || job.Namespace == scope) && !listed.Contains(key) && cache.TryRemove(key, out var gone))
            {
                Tombstones.Put(gone);
                metrics.EventReceived("relist_deleted");
                enqueue(key);
            }
        }

        Remember(listing.ResourceVersion);
        this.listed?.Invoke(new ListedScope(scope, listing.Items.Select(j => j.Uid)));
        LogListed(logger, scope ?? "*", listing.Items.Count, listing.ResourceVersion, listing.Unreadable);
        return listing.ResourceVersion;
    }

    // Returns the version the watch has reached with this event.
    private string? Apply(AgentJobWatchEvent change)
    {
        switch (change.Change)
        {
            case WatchChange.Bookmark:
                metrics.EventReceived("bookmark");
                break;
            case WatchChange.Deleted when change.Job is { } job:
                metrics.EventReceived("deleted");
                cache.TryRemove(job.Key, out _);
                Tombstones.Put(job);
                enqueue(job.Key);
                break;
            case WatchChange.Added or WatchChange.Modified when change.Job is { } job:
                metrics.EventReceived(change.Change == WatchChange.Added ? "added" : "modified");
                if (cache.TryGetValue(job.Key, out var previous) && previous.Uid != job.Uid)
                {
                    Tombstones.Put(previous);
                }

                cache[job.Key] = job;
                enqueue(job.Key);
                break;
            default:
                break;
        }

        var version = change.ResourceVersion ?? change.Job?.ResourceVersion;
        Remember(version);
        return version;
    }

    private void Remember(string? version)
    {
        if (!string.IsNullOrEmpty(version))
        {
            Volatile.Write(ref lastVersion, version);
        }
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.ResyncPeriod, time, cancellationToken).ConfigureAwait(false);
                foreach (var key in cache.Keys)
                {
                    metrics.EventReceived("resync");
                    enqueue(key);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "listed {Scope}: {Count} AgentJobs at resourceVersion {ResourceVersion} ({Unreadable} without namespace, name or uid skipped)")]
    private static partial void LogListed(ILogger logger, string scope, int count, string resourceVersion, int unreadable);

    [LoggerMessage(Level = LogLevel.Information, Message = "watch of {Scope} from resourceVersion {ResourceVersion} expired ({Message}); listing again")]
    private static partial void LogExpired(ILogger logger, string scope, string resourceVersion, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "list/watch of {Scope} failed ({Failure}; {Failures} in a row); reconnecting in {DelayMs} ms (listing afresh: {Relist})")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception, string scope, string failure, int failures, double delayMs, bool relist);

    [LoggerMessage(Level = LogLevel.Information, Message = "watch of {Scope} broke at resourceVersion {ResourceVersion}; resuming")]
    private static partial void LogWatchBroke(ILogger logger, Exception exception, string scope, string resourceVersion);

    // Where one scope's watch stands: the version to resume from (null: list first) and why the next list happens.
    private sealed class WatchPosition(string? version)
    {
        public string? Version { get; set; } = version;

        public string RelistCause { get; set; } = "start";
    }
}
