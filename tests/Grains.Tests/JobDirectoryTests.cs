using AgentJobSync.Grains.Domain;
using AgentJobSync.Grains.Persistence;
using AgentJobSync.TestHarness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
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
        var states = services.GetRequiredService<IMongoClient>().GetDatabase(storage.DatabaseName).GetCollection<BsonDocument>(storage.CollectionName);
        string[] expected = ["job_uid", "job_owner_uid", "job_insync_uid"];
        Assert.Equal(expected, JobDirectory.IndexNames);

        await Eventually.UntilAsync(
            async ct => expected.All((await IndexesAsync(states, ct)).ContainsKey),
            TimeSpan.FromSeconds(30),
            "the directory's indexes exist");
        var indexes = await IndexesAsync(states, CancellationToken.None);
        Assert.Equal(new BsonDocument("uid", 1), indexes["job_uid"]["key"]);
        Assert.Equal(new BsonDocument { { "owner", 1 }, { "uid", 1 } }, indexes["job_owner_uid"]["key"]);
        Assert.Equal(new BsonDocument { { "inSync", 1 }, { "uid", 1 } }, indexes["job_insync_uid"]["key"]);

        // Idempotent: every silo runs it at every start, when the indexes already exist.
        await services.GetRequiredService<JobDirectory>().EnsureIndexesAsync(CancellationToken.None);
        await services.GetRequiredService<JobDirectory>().EnsureIndexesAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_job_state_an_earlier_version_stored_is_found_after_the_silo_start_moves_its_fields_and_old_indexes_are_dropped()
    {
        var services = fixture.Cluster.Silos.Cast<InProcessSiloHandle>().First().SiloHost.Services;
        var storage = services.GetRequiredService<IOptionsMonitor<MongoGrainStorageOptions>>().Get(AgentJobGrain.StorageName);
        var states = services.GetRequiredService<IMongoClient>().GetDatabase(storage.DatabaseName).GetCollection<BsonDocument>(storage.CollectionName);
        var directory = services.GetRequiredService<JobDirectory>();
        var uid = Guid.NewGuid().ToString();
        await states.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("fields.uid", 1), new CreateIndexOptions { Name = "directory_uid" }));
        await states.InsertOneAsync(new BsonDocument
        {
            { "_id", $"job/agentjob/{uid}" },
            { "etag", "from-an-earlier-version" },
            { "grainType", "agentjob" },
            { "payload", new BsonBinaryData([0], BsonBinarySubType.Binary) },
            { "updatedAt", DateTime.UtcNow },
            {
                "fields", new BsonDocument
                {
                    { JobDirectory.Fields.Uid, uid }, { JobDirectory.Fields.Owner, "old-owner" }, { JobDirectory.Fields.State, "Executing" },
                    { JobDirectory.Fields.Reason, "UserNotFound" }, { JobDirectory.Fields.InSync, false }, { JobDirectory.Fields.Revision, 4L }, { JobDirectory.Fields.Deleted, false },
                }
            },
        });
        Assert.Empty(await directory.FindAsync(new JobQuery { Uid = uid }, CancellationToken.None));
        using var logs = new RecordingLoggerProvider();

        // What every silo runs at its start.
        using var initializer = new JobDirectoryIndexInitializer(directory, TimeProvider.System, logs.CreateLogger<JobDirectoryIndexInitializer>());
        await initializer.StartAsync(CancellationToken.None);
        await Eventually.UntilAsync(
            () => logs.Lines.Any(l => l.Message.Contains("indexes are present", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the initializer ran");
        await initializer.StopAsync(CancellationToken.None);

        var found = Assert.Single(await directory.FindAsync(new JobQuery { Owner = "old-owner", NotInSyncOnly = true, LiveOnly = true }, CancellationToken.None));
        Assert.Equal((uid, JobState.Executing, SyncReason.UserNotFound, 4L), (found.Uid, found.PersistedState, found.LastReason, found.Revision));
        Assert.Contains(logs.Lines, l => l.Message.Contains("moved the searchable fields of", StringComparison.Ordinal));
        Assert.DoesNotContain("directory_uid", (await IndexesAsync(states, CancellationToken.None)).Keys);
    }

    private static async Task<Dictionary<string, BsonDocument>> IndexesAsync(IMongoCollection<BsonDocument> states, CancellationToken cancellationToken) =>
        (await (await states.Indexes.ListAsync(cancellationToken)).ToListAsync(cancellationToken)).ToDictionary(i => i["name"].AsString);

    private IAgentJobGrain Grain(string uid) => fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);
}
