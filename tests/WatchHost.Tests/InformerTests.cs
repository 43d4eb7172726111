using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AgentJobSync.TestHarness;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>The informer's recovery branches against a scripted source (the real API server is in <see cref="WatchIntegrationTests"/>).</summary>
public sealed class InformerTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ScriptedSource source = new();
    private readonly ConcurrentQueue<string> enqueued = new();
    private readonly WatchHostMetrics metrics = new();
    private readonly CancellationTokenSource stop = new();

    public void Dispose()
    {
        stop.Cancel();
        stop.Dispose();
        metrics.Dispose();
    }

    [Fact]
    public async Task An_expired_watch_relists_and_reports_jobs_gone_meanwhile_as_deletions_with_their_last_object()
    {
        var kept = TestJobs.Job("kept", rv: "10");
        var gone = TestJobs.Job("gone", rv: "11", state: "completed");
        source.Lists.Enqueue(new AgentJobListing([kept, gone], "11", 0));
        source.Lists.Enqueue(new AgentJobListing([TestJobs.Job("kept", rv: "20")], "20", 0));
        source.Watches.Enqueue(_ => Throw(new ResourceExpiredException("too old resource version")));
        var informer = Start();

        await Eventually.UntilAsync(() => source.ListCalls == 2, Timeout, "relisted after 410");
        await Eventually.UntilAsync(() => informer.Tombstones.Count == 1, Timeout, "the vanished job is a tombstone");
        var tombstone = Assert.Single(informer.Tombstones.Get("ns/gone"));
        Assert.Same(gone, tombstone);
        Assert.False(informer.TryGet("ns/gone", out _));
        Assert.True(informer.TryGet("ns/kept", out var current));
        Assert.Equal("20", current.ResourceVersion);
        Assert.Equal(2, enqueued.Count(k => k == "ns/gone"));
        await Eventually.UntilAsync(() => source.WatchVersions.Contains("20"), Timeout, "watching from the new list's version");
    }

    [Fact]
    public async Task A_broken_watch_resumes_from_the_last_version_seen_including_bookmarks_without_relisting()
    {
        source.Lists.Enqueue(new AgentJobListing([], "5", 0));
        source.Watches.Enqueue(_ => Events(
            new AgentJobWatchEvent(WatchChange.Added, TestJobs.Job("a", rv: "6"), "6"),
            new AgentJobWatchEvent(WatchChange.Bookmark, null, "8")));
        source.Watches.Enqueue(_ => Throw(new IOException("connection reset")));
        var informer = Start();

        await Eventually.UntilAsync(() => source.WatchVersions.Count >= 3, Timeout, "three watches");
        Assert.Equal(["5", "8", "8"], source.WatchVersions.Take(3));
        Assert.Equal(1, source.ListCalls);
        Assert.True(informer.TryGet("ns/a", out _));
        Assert.Equal("8", informer.LastResourceVersion);
    }

    [Fact]
    public async Task A_failing_list_is_retried_and_a_deleted_event_keeps_the_final_object()
    {
        source.ListFailures = 2;
        source.Lists.Enqueue(new AgentJobListing([TestJobs.Job("a", rv: "3")], "3", 0));
        var final = TestJobs.Job("a", rv: "4", state: "error");
        source.Watches.Enqueue(_ => Events(new AgentJobWatchEvent(WatchChange.Deleted, final, "4")));
        var informer = Start();

        await Eventually.UntilAsync(() => informer.Tombstones.Count == 1, Timeout, "deletion seen");
        Assert.Equal(3, source.ListCalls);
        Assert.Same(final, Assert.Single(informer.Tombstones.Get("ns/a")));
        Assert.False(informer.TryGet("ns/a", out _));
    }

    [Fact]
    public async Task Resync_queues_every_cached_key_again()
    {
        var time = new ManualTimeProvider();
        source.Lists.Enqueue(new AgentJobListing([TestJobs.Job("a"), TestJobs.Job("b")], "2", 0));
        Start(time, TimeSpan.FromMinutes(5));
        await Eventually.UntilAsync(() => enqueued.Count == 2, Timeout, "listed");
        await Eventually.UntilAsync(() => time.PendingTimers >= 1, Timeout, "resync timer armed");
        time.Advance(TimeSpan.FromMinutes(5));
        await Eventually.UntilAsync(() => enqueued.Count == 4, Timeout, "both keys queued again");
    }

    [Fact]
    public async Task Persistent_watch_errors_other_than_410_relist_after_a_bounded_number_of_tries()
    {
        source.Lists.Enqueue(new AgentJobListing([TestJobs.Job("a", rv: "5")], "5", 0));
        source.Lists.Enqueue(new AgentJobListing([TestJobs.Job("a", rv: "9")], "9", 0));
        for (var i = 0; i < 3; i++)
        {
            source.Watches.Enqueue(_ => Throw(new IOException("watch error 500: internal error")));
        }

        var informer = Start(relistAfterFailures: 3);

        await Eventually.UntilAsync(() => source.ListCalls == 2, Timeout, "listed afresh after three failed watches");
        Assert.Equal(["5", "5", "5"], source.WatchVersions.Take(3));
        await Eventually.UntilAsync(() => source.WatchVersions.Contains("9"), Timeout, "watching from the new list's version");
        Assert.True(informer.TryGet("ns/a", out var current));
        Assert.Equal("9", current.ResourceVersion);
    }

    [Fact]
    public async Task A_watch_that_stalls_without_closing_fails_at_its_read_deadline_and_is_started_again()
    {
        source.Lists.Enqueue(new AgentJobListing([], "5", 0));
        var informer = Start(watchTimeout: TimeSpan.FromMilliseconds(50));

        // The scripted source's watches never end and never deliver: only the read deadline ends each one.
        await Eventually.UntilAsync(() => source.WatchVersions.Count >= 3, Timeout, "each stalled watch ended at its deadline and was retried");
        Assert.Contains("no answer within", informer.WatchProgress[0].LastError ?? "", StringComparison.Ordinal);
    }

    private AgentJobInformer Start(TimeProvider? time = null, TimeSpan? resync = null, int relistAfterFailures = 5, TimeSpan? watchTimeout = null)
    {
        var options = new InformerOptions
        {
            ReconnectBase = TimeSpan.FromMilliseconds(1),
            ReconnectCap = TimeSpan.FromMilliseconds(5),
            ResyncPeriod = resync ?? TimeSpan.FromHours(1),
            RelistAfterFailures = relistAfterFailures,
            WatchTimeout = watchTimeout ?? TimeSpan.FromMinutes(5),
        };
        var informer = new AgentJobInformer(source, options, enqueued.Enqueue, metrics, time ?? TimeProvider.System, NullLogger<AgentJobInformer>.Instance);
        _ = informer.RunAsync(stop.Token);
        return informer;
    }

    private static async IAsyncEnumerable<AgentJobWatchEvent> Events(params AgentJobWatchEvent[] events)
    {
        await Task.Yield();
        foreach (var e in events)
        {
            yield return e;
        }
    }

#pragma warning disable CS1998 // An iterator that only throws.
    private static async IAsyncEnumerable<AgentJobWatchEvent> Throw(Exception e)
    {
        throw e;
#pragma warning disable CS0162
        yield break;
#pragma warning restore CS0162
    }
#pragma warning restore CS1998

    private sealed class ScriptedSource : IAgentJobSource
    {
        private int listCalls;

        public ConcurrentQueue<AgentJobListing> Lists { get; } = new();

        public ConcurrentQueue<Func<string, IAsyncEnumerable<AgentJobWatchEvent>>> Watches { get; } = new();

        public ConcurrentQueue<string> WatchVersions { get; } = new();

        public int ListFailures { get; set; }

        public int ListCalls => Volatile.Read(ref listCalls);

        public Task<AgentJobListing> ListAsync(string? ns, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref listCalls) <= ListFailures)
            {
                throw new HttpRequestException("connection refused");
            }

            return Task.FromResult(Lists.TryDequeue(out var listing) ? listing : new AgentJobListing([], "1", 0));
        }

        public IAsyncEnumerable<AgentJobWatchEvent> WatchAsync(string? ns, string resourceVersion, CancellationToken cancellationToken)
        {
            WatchVersions.Enqueue(resourceVersion);
            return Watches.TryDequeue(out var script) ? script(resourceVersion) : Idle(cancellationToken);
        }

        private static async IAsyncEnumerable<AgentJobWatchEvent> Idle([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
            yield break;
        }
    }
}
