using System.Collections.Concurrent;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Model;
using Microsoft.Extensions.Logging;

namespace AgentJobSync.WatchHost.Informer;

/// <summary>
/// List+watch of AgentJobs into a cache keyed by <c>namespace/name</c>, in the manner of client-go's reflector and
/// informer. It lists once, then watches from the list's resourceVersion and resumes from the last version seen
/// (bookmarks included) whenever the stream ends; 410 Gone forces a fresh list, any other failure a reconnect after a
/// capped, jittered backoff. A list replaces the cache and reports as deletions the jobs that vanished while nothing
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

    /// <summary>Lists and watches every scope, and resyncs, until <paramref name="cancellationToken"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll([.. Scopes.Select(scope => ListAndWatchAsync(scope, cancellationToken)), ResyncAsync(cancellationToken)]);

    private async Task ListAndWatchAsync(string? scope, CancellationToken cancellationToken)
    {
        var version = seedVersion;
        var failures = 0;
        var relistCause = "start";
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (version is null)
                {
                    version = await RelistAsync(scope, relistCause, cancellationToken).ConfigureAwait(false);
                    failures = 0;
                }

                synced.TryAdd(scope ?? string.Empty, true);
                await foreach (var change in source.WatchAsync(scope, version, cancellationToken).ConfigureAwait(false))
                {
                    failures = 0;
                    version = Apply(change) ?? version;
                }

                // The server ended the watch (its timeout): resume from the last version seen.
                metrics.WatchRestarted("closed");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ResourceExpiredException e)
            {
                LogExpired(logger, scope ?? "*", version ?? "", e.Message);
                metrics.WatchRestarted("expired");
                version = null;
                relistCause = "expired";
            }
#pragma warning disable CA1031 // The loop must outlive any failure of the API server or the network; it backs off and retries.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures++;
                metrics.WatchRestarted("error");
                var delay = ReconnectDelay(failures);
                LogWatchFailed(logger, e, scope ?? "*", delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

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

    // Full jitter on the upper half: delay in [d/2, d) where d = min(cap, base * 2^(failures-1)).
    private TimeSpan ReconnectDelay(int failures)
    {
        var ticks = Math.Min(options.ReconnectCap.Ticks, options.ReconnectBase.Ticks * Math.Pow(2, Math.Min(failures - 1, 30)));
#pragma warning disable CA5394 // Jitter, not security.
        return TimeSpan.FromTicks((long)(ticks * (0.5 + (Random.Shared.NextDouble() / 2))));
#pragma warning restore CA5394
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "listed {Scope}: {Count} AgentJobs at resourceVersion {ResourceVersion} ({Unreadable} without namespace, name or uid skipped)")]
    private static partial void LogListed(ILogger logger, string scope, int count, string resourceVersion, int unreadable);

    [LoggerMessage(Level = LogLevel.Information, Message = "watch of {Scope} from resourceVersion {ResourceVersion} expired ({Message}); listing again")]
    private static partial void LogExpired(ILogger logger, string scope, string resourceVersion, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "list/watch of {Scope} failed; reconnecting in {DelayMs} ms")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception, string scope, double delayMs);
}
