using AgentJobSync.Grains.Domain;
using AgentJobSync.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using Orleans.TestingHost;

namespace AgentJobSync.Grains.Tests;

/// <summary>The job directory finds what the grains know, from their durable bookkeeping.</summary>
[Collection(ClusterCollection.Name)]
public sealed class JobDirectoryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Jobs_are_found_by_uid_owner_and_name_and_the_unsynced_and_deleted_ones_are_told_apart()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var other = await Jobs.CreateUserAsync(fixture.Users);
        var mine = new[] { Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString() }.Order(StringComparer.Ordinal).ToList();
        var theirs = Guid.NewGuid().ToString();
        var orphan = Guid.NewGuid().ToString();
        var nobody = Guid.NewGuid().ToString();
        foreach (var uid in mine)
        {
            await Grain(uid).ObserveAsync(Jobs.Observe(uid, owner, "executing", 1));
        }

        await Grain(mine[2]).ObserveAsync(Jobs.Observe(mine[2], owner, "completed", 2, deleted: true));
        await Grain(theirs).ObserveAsync(Jobs.Observe(theirs, other, "completed", 1));
        var orphaned = await Grain(orphan).ObserveAsync(Jobs.Observe(orphan, nobody, "executing", 1));
        Assert.Equal(SyncReason.UserNotFound, orphaned.Reason);
        var directory = fixture.Cluster.GrainFactory.GetGrain<IJobDirectoryGrain>(0);

        var byUid = Assert.Single(await directory.FindAsync(new JobQuery { Uid = mine[0] }));
        Assert.Equal((owner, JobState.Executing, 1L, true), (byUid.Owner, byUid.PersistedState, byUid.Revision, byUid.EntryCreated));
        Assert.Equal("job-" + mine[0][..8], byUid.Name);
        Assert.Equal(mine, (await directory.FindAsync(new JobQuery { Owner = owner })).Select(j => j.Uid));
        Assert.Equal([mine[1]], (await directory.FindAsync(new JobQuery { Namespace = "ea-platform", Name = "job-" + mine[1][..8] })).Select(j => j.Uid));
        Assert.Equal(mine[..2], (await directory.FindAsync(new JobQuery { Owner = owner, LiveOnly = true })).Select(j => j.Uid));
        Assert.True(Assert.Single(await directory.FindAsync(new JobQuery { Uid = mine[2] })).Deleted);

        var unsynced = Assert.Single(await directory.FindAsync(new JobQuery { Owner = nobody, NotInSyncOnly = true }));
        Assert.Equal((orphan, SyncReason.UserNotFound, false), (unsynced.Uid, unsynced.LastReason, unsynced.IsInSync));
        Assert.Empty(await directory.FindAsync(new JobQuery { Owner = owner, NotInSyncOnly = true }));

        var first = await directory.FindAsync(new JobQuery { Owner = owner, Limit = 2 });
        var next = await directory.FindAsync(new JobQuery { Owner = owner, Limit = 2, AfterUid = first[^1].Uid });
        Assert.Equal(mine, first.Concat(next).Select(j => j.Uid));
    }

    [Fact]
    public async Task A_job_settled_at_its_version_is_listed_with_that_version_only_under_the_flags_it_was_settled_under()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var synced = Guid.NewGuid().ToString();
        var unknown = Guid.NewGuid().ToString();
        Assert.Equal(SyncReason.Synced, (await Grain(synced).ObserveAsync(Jobs.Observe(synced, owner, "executing", 7))).Reason);
        Assert.Equal(SyncReason.UnknownState, (await Grain(unknown).ObserveAsync(Jobs.Observe(unknown, owner, "dreaming", 7))).Reason);
        var directory = fixture.Cluster.GrainFactory.GetGrain<IJobDirectoryGrain>(0);

        Assert.Equal("7", Assert.Single(await directory.FindAsync(new JobQuery { Uid = synced })).SettledResourceVersion);
        Assert.Null(Assert.Single(await directory.FindAsync(new JobQuery { Uid = unknown })).SettledResourceVersion);

        // Silos started with a flag changed since: the job must be routed again, so no settled version is given.
        var services = fixture.Cluster.Silos.Cast<InProcessSiloHandle>().First().SiloHost.Services;
        var otherFlags = new JobDirectory(
            services.GetRequiredService<IMongoClient>(), services.GetRequiredService<IOptionsMonitor<MongoGrainStorageOptions>>(),
            Options.Create(new SyncOptions { Flags = new FeatureFlags(NodeStatusUpdates: false) }));
        Assert.Null(Assert.Single(await otherFlags.FindAsync(new JobQuery { Uid = synced }, CancellationToken.None)).SettledResourceVersion);
    }

    [Fact]
    public async Task Silos_create_the_indexes_the_directory_pages_along()
    {
        var services = fixture.Cluster.Silos.Cast<InProcessSiloHandle>().First().SiloHost.Services;
        var storage = services.GetRequiredService<IOptionsMonitor<MongoGrainStorageOptions>>().Get(AgentJobGrain.StorageName);
        var states = services.GetRequiredService<IMongoClient>().GetDatabase(storage.DatabaseName).GetCollection<MongoDB.Bson.BsonDocument>(storage.CollectionName);
        string[] expected = ["directory_uid", "directory_owner_uid", "directory_insync_uid"];

        await AgentJobSync.TestHarness.Eventually.UntilAsync(
            async ct =>
            {
                var names = (await (await states.Indexes.ListAsync(ct)).ToListAsync(ct)).Select(i => i["name"].AsString).ToList();
                return expected.All(names.Contains);
            },
            TimeSpan.FromSeconds(30),
            "the directory's indexes exist");

        // Idempotent: every silo runs it at every start, when the indexes already exist.
        await services.GetRequiredService<JobDirectory>().EnsureIndexesAsync(CancellationToken.None);
        await services.GetRequiredService<JobDirectory>().EnsureIndexesAsync(CancellationToken.None);
    }

    private IAgentJobGrain Grain(string uid) => fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);
}
