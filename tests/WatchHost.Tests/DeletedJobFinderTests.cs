using System.Collections.Immutable;
using AgentJobSync.Grains;
using AgentJobSync.WatchHost.Directory;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>The comparison of a list with the job directory that finds jobs deleted while nothing watched.</summary>
public sealed class DeletedJobFinderTests
{
    [Fact]
    public async Task Only_live_jobs_with_an_entry_missing_from_the_list_and_the_cache_become_deletions_with_their_persisted_state()
    {
        var cached = Job("ns", "cached", "u-cached");
        var cache = new FakeCache(cached);
        var directory = new FakeDirectory(
        [
            Summary("u-gone", "ns", "gone", JobState.Executing),
            Summary("u-listed", "ns", "listed", JobState.Pending),
            Summary("u-cached", "ns", "cached", JobState.Pending),
            Summary("u-no-entry", "ns", "no-entry", JobState.New, entryCreated: false),
            Summary("u-removed", "ns", "removed", JobState.Complete, removed: true),
        ]);
        var enqueued = new List<string>();
        using var metrics = new WatchHostMetrics();
        var finder = new DeletedJobFinder(directory, cache, enqueued.Add, metrics, TimeProvider.System, NullLogger<DeletedJobFinder>.Instance);

        var found = await finder.CompareOnceAsync(new ListedScope("ns", ["u-listed"]), CancellationToken.None);

        Assert.Equal(1, found);
        Assert.Equal(["ns/gone"], enqueued);
        var tombstone = Assert.Single(cache.Tombstones.Get("ns/gone"));
        Assert.Equal("u-gone", tombstone.Uid);
        Assert.Equal("Executing", tombstone.State);
        Assert.Empty(tombstone.Nodes);
        Assert.True(ObservationTranslator.Translate(tombstone, deleted: true, DateTimeOffset.UtcNow).Deleted);
    }

    [Fact]
    public async Task The_directory_is_read_page_by_page_after_the_last_uid()
    {
        var summaries = Enumerable.Range(0, 1200).Select(i => Summary($"u-{i:D5}", "ns", $"j{i}", JobState.Pending)).ToList();
        var directory = new FakeDirectory(summaries);
        var enqueued = new List<string>();
        using var metrics = new WatchHostMetrics();
        var finder = new DeletedJobFinder(directory, new FakeCache(), enqueued.Add, metrics, TimeProvider.System, NullLogger<DeletedJobFinder>.Instance);

        Assert.Equal(1200, await finder.CompareOnceAsync(new ListedScope("ns", []), CancellationToken.None));
        Assert.Equal([null, "u-00499", "u-00999"], directory.Afters);
    }

    [Fact]
    public async Task A_comparison_that_fails_is_retried_with_backoff_until_the_directory_answers()
    {
        var directory = new FakeDirectory([Summary("u-gone", "ns", "gone", JobState.Executing)]) { TransientFailuresLeft = 2 };
        var enqueued = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var metrics = new WatchHostMetrics();
        var finder = new DeletedJobFinder(directory, new FakeCache(), key => enqueued.TrySetResult(key), metrics, TimeProvider.System, NullLogger<DeletedJobFinder>.Instance);
        using var stop = new CancellationTokenSource();
        var running = finder.RunAsync(stop.Token);

        finder.Compare(new ListedScope("ns", []));

        Assert.Equal("ns/gone", await enqueued.Task.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(3, directory.Afters.Count);
        await stop.CancelAsync();
        await running;
    }

    private static JobSummary Summary(string uid, string ns, string name, JobState state, bool entryCreated = true, bool removed = false) =>
        new(uid, ns, name, "6f1c2b9e-0000-4000-8000-000000000001", state, SyncReason.Synced, null, entryCreated, removed, false, 1, DateTimeOffset.UtcNow);

    private static AgentJob Job(string ns, string name, string uid) =>
        new(ns, name, uid, "1", null, null, null, null, null, null, null, ImmutableArray<AgentJobNode>.Empty);

    private sealed class FakeCache(params AgentJob[] jobs) : IJobCache
    {
        public TombstoneStore Tombstones { get; } = new();

        public bool TryGet(string key, out AgentJob job)
        {
            job = jobs.FirstOrDefault(j => j.Key == key)!;
            return job is not null;
        }
    }
}
