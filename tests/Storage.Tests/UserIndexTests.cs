using AgentJobSync.Grains;
using AgentJobSync.Grains.Diagnostics;
using AgentJobSync.Grains.Storage;
using AgentJobSync.TestHarness;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Storage.Tests;

/// <summary>The unique index on <c>users.id</c>, and what happens when two documents already share an id.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class UserIndexTests(DatabaseFixture db)
{
    [Fact]
    public async Task The_index_is_created_once_and_a_second_start_finds_it_present()
    {
        var (store, users) = db.NewStore();
        await users.InsertOneAsync(new BsonDocument { { "id", "u1" }, { "jobs", new BsonArray() } });

        Assert.Equal(UserIndexStatus.Present, await RunAsync(store));
        Assert.Equal(UserIndexStatus.Present, await RunAsync(store));

        var index = Assert.Single(await (await users.Indexes.ListAsync()).ToListAsync(), i => i["name"] == "id_unique");
        Assert.True(index["unique"].ToBoolean());
    }

    [Fact]
    public async Task Two_documents_sharing_an_id_leave_the_index_uncreated_and_that_owner_unwritten()
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        await users.InsertManyAsync([
            new BsonDocument { { "id", owner }, { "jobs", new BsonArray() }, { "copy", 1 } },
            new BsonDocument { { "id", owner }, { "jobs", new BsonArray() }, { "copy", 2 } },
        ]);

        Assert.Equal(UserIndexStatus.DuplicateIds, await RunAsync(store));
        Assert.DoesNotContain(await (await users.Indexes.ListAsync()).ToListAsync(), i => i["name"] == "id_unique");

        // Reads see both documents, so the synchronizer reports the owner instead of writing into one of them.
        var uid = Guid.NewGuid().ToString();
        var read = await store.ReadAsync(owner, uid, CancellationToken.None);
        Assert.True(read.DuplicateUserDocuments);
        using var meters = new TestMeterFactory();
        var synchronizer = new EntrySynchronizer(store, Options.Create(new SyncOptions()), new SyncMetrics(meters), TimeProvider.System, NullLogger<EntrySynchronizer>.Instance);
        var observation = new JobObservation(uid, "ns", "job", owner, "executing", [], DateTimeOffset.UtcNow, null, null, null, false, DateTimeOffset.UtcNow, "1");
        var result = await synchronizer.SyncAsync(observation, JobState.Executing, new NewJobBookkeeping(), known: null, CancellationToken.None);
        Assert.Equal(SyncReason.UserDocumentInvalid, result.Outcome.Reason);
        Assert.All(await users.Find(new BsonDocument("id", owner)).ToListAsync(), d => Assert.Empty(d["jobs"].AsBsonArray));
    }

    [Fact]
    public async Task A_unique_index_the_platform_made_under_another_name_is_accepted_with_one_information_line()
    {
        var (store, users) = db.NewStore();
        await users.InsertOneAsync(new BsonDocument { { "id", "u1" }, { "jobs", new BsonArray() } });
        await users.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(Builders<BsonDocument>.IndexKeys.Ascending("id"), new CreateIndexOptions { Unique = true }));
        var logs = new RecordingLoggerProvider();

        Assert.Equal(UserIndexStatus.Present, await RunAsync(store, logs));

        var line = Assert.Single(logs.Lines);
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Contains("id_1", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await (await users.Indexes.ListAsync()).ToListAsync(), i => i["name"] == UserJobsStore.UserIdIndexName);
    }

    [Fact]
    public async Task A_non_unique_index_on_id_is_reported_with_one_warning_that_says_what_to_do()
    {
        var (store, users) = db.NewStore();
        await users.InsertOneAsync(new BsonDocument { { "id", "u1" }, { "jobs", new BsonArray() } });
        await users.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(Builders<BsonDocument>.IndexKeys.Ascending("id"), new CreateIndexOptions { Name = "by_id" }));
        var logs = new RecordingLoggerProvider();

        Assert.Equal(UserIndexStatus.NotUnique, await RunAsync(store, logs));

        var line = Assert.Single(logs.Lines);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("by_id", line.Message, StringComparison.Ordinal);
        Assert.Contains("not unique", line.Message, StringComparison.Ordinal);
        Assert.Contains("Drop that index", line.Message, StringComparison.Ordinal);
    }

    private static async Task<UserIndexStatus> RunAsync(UserJobsStore store, RecordingLoggerProvider? logs = null)
    {
        using var initializer = new UserIndexInitializer(store, TimeProvider.System, logs?.CreateLogger<UserIndexInitializer>() ?? NullLogger<UserIndexInitializer>.Instance);
        await initializer.StartAsync(CancellationToken.None);
        var status = await initializer.Status.WaitAsync(TimeSpan.FromSeconds(60));
        await initializer.StopAsync(CancellationToken.None);
        return status;
    }
}
