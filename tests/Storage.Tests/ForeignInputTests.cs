using AgentJobSync.Grains;
using AgentJobSync.Grains.Diagnostics;
using AgentJobSync.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Storage.Tests;

/// <summary>
/// What other writers leave in a user document, synced through the real synchronizer and store on the real server: an
/// entry whose <c>sync_rev</c> someone else set to anything, and a document near the 16 MiB limit.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ForeignInputTests(DatabaseFixture db)
{
    public static TheoryData<string> ForeignRevisions => ["int 0", "long 0", "negative", "2.5", "3.0", "string", "null", "int 7", "document"];

    [Theory]
    [MemberData(nameof(ForeignRevisions))]
    public async Task An_entry_whose_sync_rev_another_writer_set_is_updated_by_a_guard_on_exactly_that_value(string kind)
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        var uid = Guid.NewGuid().ToString();
        var entry = Documents.Entry(uid, "Pending", revision: null);
        entry[JobEntryFields.Revision] = Foreign(kind);
        await users.InsertOneAsync(Documents.User(owner, Documents.ManagerEntry("m1"), entry));

        using var meters = new TestMeterFactory();
        var synchronizer = Synchronizer(store, meters);
        var result = await synchronizer.SyncAsync(Observe(uid, owner, "executing"), JobState.Executing, new NewJobBookkeeping(), known: null, CancellationToken.None);

        Assert.True(result.Outcome.Reason == SyncReason.Synced, $"{result.Outcome.Reason}: {result.Outcome.Message}");
        var written = Documents.Jobs(await Documents.ReadUserAsync(users, owner))[1].AsBsonDocument;
        Assert.Equal("Executing", written["status"].AsString);
        Assert.Equal(EntryRevision.Of(entry).Next, written[JobEntryFields.Revision].ToInt64());
        Assert.Equal(written[JobEntryFields.Revision].ToInt64(), result.Outcome.Revision);
    }

    [Fact]
    public async Task A_document_near_the_size_limit_still_gets_the_state_and_the_job_is_not_parked()
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        var existing = Guid.NewGuid().ToString();
        var fresh = Guid.NewGuid().ToString();
        var user = Documents.User(owner, Documents.Entry(existing, "Pending"));
        // 15.9 MiB of the user's own data beside the jobs.
        user["attachments"] = new BsonArray(Enumerable.Range(0, 159).Select(_ => (BsonValue)new string('x', 100 * 1024)));
        await users.InsertOneAsync(user);
        var nodes = Enumerable.Range(0, 4).Select(i => new NodeObservation($"n{i}", "done", $"\"{new string('o', 50 * 1024)}\"", "2025-01-01T00:00:00Z")).ToArray();

        using var meters = new TestMeterFactory();
        var synchronizer = Synchronizer(store, meters);
        var updated = await synchronizer.SyncAsync(Observe(existing, owner, "executing", nodes), JobState.Executing, new NewJobBookkeeping(), known: null, CancellationToken.None);
        var inserted = await synchronizer.SyncAsync(Observe(fresh, owner, "executing", nodes), JobState.Executing, new NewJobBookkeeping(), known: null, CancellationToken.None);

        // MongoDB refuses the nodes (code 17419) and the state is written alone (EntryTooLarge); FerretDB v1 takes both.
        Assert.All([updated, inserted], r => Assert.Contains(r.Outcome.Reason, new[] { SyncReason.Synced, SyncReason.EntryTooLarge }));
        var jobs = Documents.Jobs(await users.Find(new BsonDocument("id", owner)).Project(Builders<BsonDocument>.Projection.Include("jobs")).SingleAsync());
        Assert.Equal(["Executing", "Executing"], jobs.Select(j => j["status"].AsString));
    }

    private static EntrySynchronizer Synchronizer(UserJobsStore store, TestMeterFactory meters) =>
        new(store, Options.Create(new SyncOptions { MaxAttempts = 4 }), new SyncMetrics(meters), TimeProvider.System, NullLogger<EntrySynchronizer>.Instance);

    private static JobObservation Observe(string uid, string owner, string state, params NodeObservation[] nodes) =>
        new(uid, "ns", "job", owner, state, [.. nodes], DateTimeOffset.UtcNow, null, null, null, false, DateTimeOffset.UtcNow, "1");

    private static BsonValue Foreign(string kind) => kind switch
    {
        "int 0" => new BsonInt32(0),
        "long 0" => new BsonInt64(0),
        "negative" => new BsonInt32(-3),
        "2.5" => new BsonDouble(2.5),
        "3.0" => new BsonDouble(3.0),
        "string" => new BsonString("seven"),
        "null" => BsonNull.Value,
        "int 7" => new BsonInt32(7),
        "document" => new BsonDocument("by", "someone"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
