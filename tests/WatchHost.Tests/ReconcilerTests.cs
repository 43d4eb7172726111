using System.Collections.Concurrent;
using AgentJobSync.Grains;
using AgentJobSync.TestHarness;
using AgentJobSync.WatchHost.Directory;
using AgentJobSync.WatchHost.Events;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Model;
using AgentJobSync.WatchHost.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

public sealed class ReconcilerTests : IDisposable
{
    private readonly FakeCache cache = new();
    private readonly RecordingRouter router = new();
    private readonly RecordingEventSink events = new();
    private readonly WatchHostMetrics metrics = new();
    private readonly MeterRecorder meters;
    private readonly JobReconciler reconciler;

    public ReconcilerTests()
    {
        meters = new MeterRecorder(metrics.Meter);
        reconciler = new JobReconciler(cache, router, events, new JobOutcomeTracker(), metrics, new ManualTimeProvider(), NullLogger<JobReconciler>.Instance);
    }

    public void Dispose()
    {
        meters.Dispose();
        metrics.Dispose();
    }

    [Theory]
    [InlineData(SyncReason.Synced, Disposition.Done)]
    [InlineData(SyncReason.UpToDate, Disposition.Done)]
    [InlineData(SyncReason.FeatureDisabled, Disposition.Done)]
    [InlineData(SyncReason.EntryRemovedByOwner, Disposition.Done)]
    [InlineData(SyncReason.UserRemoved, Disposition.Done)]
    [InlineData(SyncReason.EntryTooLarge, Disposition.Done)]
    [InlineData(SyncReason.DatabaseUnavailable, Disposition.Retry)]
    [InlineData(SyncReason.UserNotFound, Disposition.SlowRetry)]
    [InlineData(SyncReason.InvalidOwner, Disposition.Parked)]
    [InlineData(SyncReason.UnknownState, Disposition.Parked)]
    [InlineData(SyncReason.UserDocumentInvalid, Disposition.Parked)]
    [InlineData(SyncReason.DatabaseRejected, Disposition.Parked)]
    [InlineData(SyncReason.OwnerChanged, Disposition.Parked)]
    public async Task Each_outcome_has_its_disposition(SyncReason reason, Disposition expected)
    {
        cache.Put(TestJobs.Job("a"));
        router.Answer("a", reason);
        Assert.Equal(expected, await reconciler.ReconcileAsync("ns/a", CancellationToken.None));
    }

    [Fact]
    public async Task Only_a_job_that_never_reached_its_grain_is_routed_as_first_sight()
    {
        cache.Put(TestJobs.Job("a", rv: "5"));
        await reconciler.ReconcileAsync("ns/a", CancellationToken.None);
        cache.Put(TestJobs.Job("a", rv: "6"));
        await reconciler.ReconcileAsync("ns/a", CancellationToken.None);

        Assert.Equal([true, false], router.CallsFor("a").Select(c => c.FirstSight));
    }

    [Fact]
    public async Task An_unreachable_grain_is_retried_with_backoff_and_reported()
    {
        cache.Put(TestJobs.Job("a"));
        router.Fail("a");
        Assert.Equal(Disposition.Retry, await reconciler.ReconcileAsync("ns/a", CancellationToken.None));
        var (_, reported) = Assert.Single(events.Reported);
        Assert.Equal(JobReconciler.GrainUnavailable, reported.Reason);
    }

    [Fact]
    public async Task A_permanent_failure_is_reported_once_is_not_routed_again_at_the_same_version_and_a_later_success_reports_synced()
    {
        cache.Put(TestJobs.Job("a", rv: "5"));
        router.Answer("a", SyncReason.InvalidOwner);
        await reconciler.ReconcileAsync("ns/a", CancellationToken.None);
        await reconciler.ReconcileAsync("ns/a", CancellationToken.None); // a resync of the same version
        Assert.Single(router.CallsFor("a"));
        var (_, warning) = Assert.Single(events.Reported);
        Assert.Equal((JobEvent.Warning, "InvalidOwner"), (warning.Type, warning.Reason));

        cache.Put(TestJobs.Job("a", rv: "6"));
        router.Answer("a", SyncReason.Synced);
        Assert.Equal(Disposition.Done, await reconciler.ReconcileAsync("ns/a", CancellationToken.None));
        Assert.Equal(2, events.Reported.Count);
        var normal = events.Reported.Last().Event;
        Assert.Equal((JobEvent.Normal, "Synced"), (normal.Type, normal.Reason));

        await reconciler.ReconcileAsync("ns/a", CancellationToken.None);
        Assert.Equal(2, events.Reported.Count); // in sync again and again: nothing more to say
    }

    [Theory]
    [InlineData(SyncReason.Synced)]
    [InlineData(SyncReason.UpToDate)]
    [InlineData(SyncReason.EntryRemovedByOwner)]
    public async Task A_job_in_sync_is_not_routed_again_until_its_resource_version_changes(SyncReason reason)
    {
        cache.Put(TestJobs.Job("a", rv: "5"));
        router.Answer("a", reason);
        await reconciler.ReconcileAsync("ns/a", CancellationToken.None);
        Assert.Equal(Disposition.Done, await reconciler.ReconcileAsync("ns/a", CancellationToken.None)); // resync or relist
        Assert.Single(router.CallsFor("a"));
        Assert.Equal(1, meters.Sum("agentjob_reconciles_skipped", "in_sync"));

        cache.Put(TestJobs.Job("a", rv: "6", state: "completed"));
        await reconciler.ReconcileAsync("ns/a", CancellationToken.None);
        Assert.Equal(["5", "6"], router.CallsFor("a").Select(c => c.ResourceVersion));
    }

    [Fact]
    public async Task A_job_whose_state_is_behind_a_feature_flag_is_routed_again_at_the_same_version()
    {
        // The flag may be turned on by restarting the silos while the job stays at this version.
        cache.Put(TestJobs.Job("a", rv: "5"));
        router.Answer("a", SyncReason.FeatureDisabled);
        await reconciler.ReconcileAsync("ns/a", CancellationToken.None);
        router.Answer("a", SyncReason.Synced);
        await reconciler.ReconcileAsync("ns/a", CancellationToken.None);
        await reconciler.ReconcileAsync("ns/a", CancellationToken.None);
        Assert.Equal(2, router.CallsFor("a").Count);
    }

    [Fact]
    public async Task A_job_whose_nodes_do_not_fit_is_not_parked_and_is_routed_again_at_the_same_version()
    {
        // Its state is written without the nodes; a resync tries the nodes again (the owner may have made room).
        cache.Put(TestJobs.Job("a", rv: "5"));
        router.Answer("a", SyncReason.EntryTooLarge);
        Assert.Equal(Disposition.Done, await reconciler.ReconcileAsync("ns/a", CancellationToken.None));
        Assert.Equal(Disposition.Done, await reconciler.ReconcileAsync("ns/a", CancellationToken.None));
        Assert.Equal(2, router.CallsFor("a").Count);
        Assert.Single(events.Reported);
    }

    [Fact]
    public async Task A_deletion_in_backoff_when_the_directory_comparison_runs_is_routed_with_its_final_object()
    {
        // The watch delivered the final object (Complete, with its nodes); routing it failed and it waits in backoff.
        var final = TestJobs.Job("a", rv: "9", state: "completed") with { Nodes = [new AgentJobNode("n1", "done", "{}", "2025-01-01T00:00:00Z")] };
        cache.Tombstones.Put(final);
        router.Fail("a");
        Assert.Equal(Disposition.Retry, await reconciler.ReconcileAsync("ns/a", CancellationToken.None));

        // A relist's comparison finds the job live in the grains' eyes (last persisted Executing) and gone from the list.
        var directory = new FakeDirectory([new JobSummary(final.Uid, "ns", "a", final.User, JobState.Executing, SyncReason.Synced, null, true, false, false, 3, DateTimeOffset.UtcNow)]);
        var finder = new DeletedJobFinder(directory, cache, _ => { }, metrics, TimeProvider.System, NullLogger<DeletedJobFinder>.Instance);
        Assert.Equal(0, await finder.CompareOnceAsync(new ListedScope("ns", []), CancellationToken.None));

        router.Answer("a", SyncReason.Synced);
        Assert.Equal(Disposition.Done, await reconciler.ReconcileAsync("ns/a", CancellationToken.None));
        var routed = router.CallsFor("a")[^1];
        Assert.Equal((true, "completed", "9", 1), (routed.Deleted, routed.RawState, routed.ResourceVersion, routed.Nodes.Length));
    }

    [Fact]
    public async Task A_job_retried_after_a_transient_failure_is_routed_again_at_the_same_version()
    {
        cache.Put(TestJobs.Job("a", rv: "5"));
        router.Answer("a", SyncReason.UserNotFound);
        Assert.Equal(Disposition.SlowRetry, await reconciler.ReconcileAsync("ns/a", CancellationToken.None));
        router.Answer("a", SyncReason.Synced);
        Assert.Equal(Disposition.Done, await reconciler.ReconcileAsync("ns/a", CancellationToken.None));
        Assert.Equal(2, router.CallsFor("a").Count);
    }

    [Fact]
    public async Task The_deletion_of_a_job_settled_at_its_last_version_is_still_routed()
    {
        var job = TestJobs.Job("a", rv: "5");
        cache.Put(job);
        await reconciler.ReconcileAsync("ns/a", CancellationToken.None);
        cache.Remove(job.Key);
        cache.Tombstones.Put(job);
        await reconciler.ReconcileAsync("ns/a", CancellationToken.None);
        Assert.Equal([false, true], router.CallsFor("a").Select(c => c.Deleted));
    }

    [Fact]
    public async Task A_repeated_transient_reason_is_reported_once()
    {
        cache.Put(TestJobs.Job("a"));
        router.Answer("a", SyncReason.DatabaseUnavailable);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Disposition.Retry, await reconciler.ReconcileAsync("ns/a", CancellationToken.None));
        }

        Assert.Equal(3, router.CallsFor("a").Count);
        Assert.Single(events.Reported);
    }

    [Fact]
    public async Task Each_cause_is_logged_as_one_warning_however_often_it_repeats()
    {
        var logs = new RecordingLoggerProvider();
        var logged = new JobReconciler(cache, router, events, new JobOutcomeTracker(), metrics, new ManualTimeProvider(), logs.CreateLogger<JobReconciler>());
        cache.Put(TestJobs.Job("a"));
        cache.Put(TestJobs.Job("b"));
        router.Fail("a");
        router.Answer("b", SyncReason.DatabaseUnavailable);
        for (var i = 0; i < 3; i++)
        {
            await logged.ReconcileAsync("ns/a", CancellationToken.None);
            await logged.ReconcileAsync("ns/b", CancellationToken.None);
        }

        var warnings = logs.Lines.Where(l => l.Level >= LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Single(warnings, w => w.Message.Contains("uid-a", StringComparison.Ordinal) && w.Message.Contains("silo unreachable", StringComparison.Ordinal));
        Assert.Single(warnings, w => w.Message.Contains("uid-b", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tombstone_routes_the_final_object_as_deleted_and_is_dropped_once_in_sync()
    {
        var final = TestJobs.Job("a", rv: "9", state: "completed");
        cache.Tombstones.Put(final);
        Assert.Equal(Disposition.Done, await reconciler.ReconcileAsync("ns/a", CancellationToken.None));
        var call = Assert.Single(router.Calls);
        Assert.True(call.Deleted);
        Assert.Equal(("completed", "9"), (call.RawState, call.ResourceVersion));
        Assert.Equal(0, cache.Tombstones.Count);
    }

    [Fact]
    public async Task A_tombstone_whose_grain_is_unreachable_stays_for_the_retry()
    {
        cache.Tombstones.Put(TestJobs.Job("a"));
        router.Fail("a");
        Assert.Equal(Disposition.Retry, await reconciler.ReconcileAsync("ns/a", CancellationToken.None));
        Assert.Equal(1, cache.Tombstones.Count);
    }

    [Fact]
    public async Task A_name_deleted_and_recreated_routes_both_jobs_the_old_one_as_deleted()
    {
        cache.Tombstones.Put(TestJobs.Job("a", uid: "old"));
        cache.Put(TestJobs.Job("a", uid: "new"));
        await reconciler.ReconcileAsync("ns/a", CancellationToken.None);
        Assert.Equal([("old", true), ("new", false)], router.Calls.Select(c => (c.Uid, c.Deleted)));
    }

    private sealed class FakeCache : IJobCache
    {
        private readonly ConcurrentDictionary<string, AgentJob> jobs = new();

        public TombstoneStore Tombstones { get; } = new();

        public void Put(AgentJob job) => jobs[job.Key] = job;

        public void Remove(string key) => jobs.TryRemove(key, out _);

        public bool TryGet(string key, out AgentJob job) => jobs.TryGetValue(key, out job!);
    }
}
