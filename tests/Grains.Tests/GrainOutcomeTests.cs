using System.Net;
using AgentJobSync.Grains.Domain;
using AgentJobSync.TestHarness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;
using Orleans.Storage;
using Orleans.TestingHost;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// What a grain answers and logs when its bookkeeping cannot be saved, when a deleted job's owner is gone, when it is
/// not in sync, and under <c>FEATURE_NODE_STATUS_UPDATES=false</c>: on a one-silo cluster of its own whose bookkeeping
/// storage can be made to fail per job, with the silo's log lines recorded.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainOutcomeTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_bookkeeping_save_whose_conflict_cannot_be_read_is_answered_as_transient_not_thrown()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        await WithClusterAsync(async cluster =>
        {
            var grain = cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);
            Assert.Equal(SyncReason.Synced, (await grain.ObserveAsync(Jobs.Observe(uid, owner, "executing", 1))).Reason);
            FaultyBookkeeping.Writes[uid] = _ => new InconsistentStateException("another activation saved first");
            FaultyBookkeeping.Reads[uid] = () => new TimeoutException("the database did not answer");

            var outcome = await grain.ObserveAsync(Jobs.Observe(uid, owner, "completed", 2, deleted: true));

            Assert.Equal(SyncReason.DatabaseUnavailable, outcome.Reason);
            Assert.True(outcome.IsTransient);
            Assert.Contains("the database did not answer", outcome.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_bookkeeping_save_the_database_refuses_for_good_is_answered_as_permanent()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        await WithClusterAsync(async cluster =>
        {
            var grain = cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);
            Assert.Equal(SyncReason.Synced, (await grain.ObserveAsync(Jobs.Observe(uid, owner, "executing", 1))).Reason);
            FaultyBookkeeping.Writes[uid] = _ => ValidationFailure();

            var outcome = await grain.ObserveAsync(Jobs.Observe(uid, owner, "completed", 2, deleted: true));

            Assert.Equal(SyncReason.DatabaseRejected, outcome.Reason);
            Assert.False(outcome.IsTransient);
            Assert.Contains("validation_failed", outcome.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_history_save_that_fails_on_its_timer_is_tried_again_until_it_is_stored()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        await WithClusterAsync(async cluster =>
        {
            var grain = cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);
            Assert.Equal(SyncReason.Synced, (await grain.ObserveAsync(Jobs.Observe(uid, owner, "executing", 1))).Reason);
            var writes = 0;
            var reads = 0;
            FaultyBookkeeping.Writes[uid] = _ => Interlocked.Increment(ref writes) == 1 ? new InconsistentStateException("another activation saved first") : null;
            FaultyBookkeeping.Reads[uid] = () => Interlocked.Increment(ref reads) == 1 ? new TimeoutException("the database did not answer") : null;

            // Revision 2 is history only: no fact to save in the call, so the timer saves it.
            Assert.Equal(SyncReason.Synced, (await grain.ObserveAsync(Jobs.Observe(uid, owner, "completed", 2))).Reason);

            var directory = cluster.GrainFactory.GetGrain<IJobDirectoryGrain>(0);
            await Eventually.UntilAsync(
                async _ => (await directory.FindAsync(new JobQuery { Uid = uid })).SingleOrDefault()?.Revision == 2,
                TimeSpan.FromSeconds(60),
                "the job's revision 2 is stored");
            Assert.True(Volatile.Read(ref reads) >= 1);
        });
    }

    [Fact]
    public async Task A_deleted_job_whose_owner_document_is_gone_is_settled_with_one_information_line()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        await WithClusterAsync(async cluster =>
        {
            var grain = cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);
            Assert.Equal(SyncReason.Synced, (await grain.ObserveAsync(Jobs.Observe(uid, owner, "executing", 1))).Reason);
            await fixture.Users.DeleteOneAsync(new BsonDocument("id", owner));

            var settled = await grain.ObserveAsync(Jobs.Observe(uid, owner, "completed", 2, deleted: true));
            var again = await grain.ObserveAsync(Jobs.Observe(uid, owner, "completed", 2, deleted: true));

            Assert.Equal((SyncReason.UserRemoved, true), (settled.Reason, settled.IsInSync));
            Assert.Equal(SyncReason.UserRemoved, again.Reason);
            var known = Assert.Single(await cluster.GrainFactory.GetGrain<IJobDirectoryGrain>(0).FindAsync(new JobQuery { Uid = uid }));
            Assert.True(known.Deleted);
            var lines = RecordingLogs.About(uid);
            Assert.Single(lines, l => l.Level == LogLevel.Information);
            Assert.DoesNotContain(lines, l => l.Level >= LogLevel.Warning);
        });
    }

    [Fact]
    public async Task A_not_in_sync_outcome_is_not_logged_as_a_warning_by_the_grain()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var unknown = Guid.NewGuid().ToString();
        var orphan = Guid.NewGuid().ToString();
        await WithClusterAsync(async cluster =>
        {
            Assert.Equal(SyncReason.UnknownState, (await cluster.GrainFactory.GetGrain<IAgentJobGrain>(unknown).ObserveAsync(Jobs.Observe(unknown, owner, "exploded"))).Reason);
            Assert.Equal(SyncReason.UserNotFound, (await cluster.GrainFactory.GetGrain<IAgentJobGrain>(orphan).ObserveAsync(Jobs.Observe(orphan, Guid.NewGuid().ToString(), "executing"))).Reason);

            // The watch host reports each cause once (a Warning and an Event per change of reason); the grain adds none.
            Assert.DoesNotContain(RecordingLogs.About(unknown).Concat(RecordingLogs.About(orphan)), l => l.Level >= LogLevel.Warning);
        });
    }

    [Fact]
    public async Task A_new_entry_written_with_node_status_updates_off_has_no_nodes_field()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        var cluster = await ClusterFixture.DeployAsync(fixture.Mongo.Url, silos: 1, b => b.AddSiloBuilderConfigurator<NodeStatusUpdatesOff>());
        try
        {
            var first = await cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, "executing", 1));
            Assert.True(first.Reason == SyncReason.Synced, first.Message);

            var entry = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
            Assert.Equal("Executing", entry["status"].AsString);
            Assert.False(entry.Contains("nodes"), entry.ToJson());
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private async Task WithClusterAsync(Func<TestCluster, Task> test)
    {
        var cluster = await ClusterFixture.DeployAsync(fixture.Mongo.Url, silos: 1, b =>
        {
            b.AddSiloBuilderConfigurator<FaultyBookkeeping>();
            b.AddSiloBuilderConfigurator<RecordingLogs>();
        });
        try
        {
            await test(cluster);
        }
        finally
        {
            foreach (var uid in FaultyBookkeeping.Writes.Keys.Concat(FaultyBookkeeping.Reads.Keys).ToList())
            {
                FaultyBookkeeping.Writes.TryRemove(uid, out _);
                FaultyBookkeeping.Reads.TryRemove(uid, out _);
            }

            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    // What a collection validator on the grains' state collection answers: code 121, permanent.
    private static MongoCommandException ValidationFailure() => new(
        new ConnectionId(new ServerId(new ClusterId(), new DnsEndPoint("localhost", 27017))),
        "Document failed validation",
        new BsonDocument("update", "grainState"),
        new BsonDocument { { "ok", 0 }, { "code", 121 }, { "codeName", "DocumentValidationFailure" }, { "errmsg", "Document failed validation" } });

    private sealed class NodeStatusUpdatesOff : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.Services.Configure<SyncOptions>(o => o.Flags = o.Flags with { NodeStatusUpdates = false });
    }
}
