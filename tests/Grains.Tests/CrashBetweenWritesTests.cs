using AgentJobSync.Grains.Persistence;
using MongoDB.Bson;
using MongoDB.Driver;
using Orleans.TestingHost;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// The grain claims the entry's document in its bookkeeping, writes the owner's entry, then saves that the entry exists.
/// A crash between the last two (the entry is in the document, "created" never saved) must leave nothing wrong: the
/// next activation finds the entry by its id in a fresh read of the claimed document, adopts it, and carries on with one
/// entry and continuous revisions, even when <c>spec.user</c> was edited meanwhile.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CrashBetweenWritesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task An_entry_written_without_its_bookkeeping_is_adopted_by_the_next_activation()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        var cluster = await DeployAsync();
        try
        {
            await WriteEntryThenCrashAsync(cluster, uid, owner);
            var next = await cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, "completed", 2));

            Assert.Equal(SyncReason.Synced, next.Reason);
            var entry = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
            Assert.Equal("Complete", entry["status"].AsString);
            Assert.Equal(2, entry["sync_rev"].ToInt64());
            var inspection = await cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).InspectAsync();
            Assert.True(inspection.EntryCreated);
            Assert.Equal(2, inspection.Revision);
            Assert.Equal(1, await GrainStateRecordsAsync(uid));
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("another user")]
    [InlineData("")]
    [InlineData("not-a-uuid")]
    public async Task A_spec_user_edited_after_a_crash_between_entry_and_bookkeeping_keeps_syncing_the_first_document(string edit)
    {
        var first = await Jobs.CreateUserAsync(fixture.Users);
        var second = await Jobs.CreateUserAsync(fixture.Users);
        var edited = edit == "another user" ? second : edit;
        var uid = Guid.NewGuid().ToString();
        var cluster = await DeployAsync();
        try
        {
            await WriteEntryThenCrashAsync(cluster, uid, first);
            var next = await cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, edited, "completed", 2));

            Assert.Equal(SyncReason.OwnerChanged, next.Reason);
            Assert.Equal(JobState.Complete, next.PersistedState);
            var entry = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, first), uid));
            Assert.Equal(("Complete", "step-2"), (entry["status"].AsString, entry["nodes"][0]["status"].AsString));
            Assert.Empty(Jobs.Entries(await Jobs.UserAsync(fixture.Users, second), uid));
            Assert.Equal(0, await fixture.Users.CountDocumentsAsync(new BsonDocument { { "id", new BsonDocument("$ne", first) }, { "jobs.id", uid } }));
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private Task<TestCluster> DeployAsync() =>
        ClusterFixture.DeployAsync(fixture.Mongo.Url, silos: 1, b => b.AddSiloBuilderConfigurator<FaultyBookkeeping>());

    // The first observation writes the entry; saving "entry created" fails as if the silo died right then; the activation
    // and everything it remembered are gone, only the document (and the claim made before the insert) know the entry.
    private async Task WriteEntryThenCrashAsync(TestCluster cluster, string uid, string owner)
    {
        FaultyBookkeeping.Writes[uid] = state => state.EntryCreated ? new TimeoutException("the silo died before the bookkeeping was saved") : null;
        var outcome = await cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, "executing", 1));
        Assert.Equal(SyncReason.DatabaseUnavailable, outcome.Reason);
        var written = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
        Assert.Equal(1, written["sync_rev"].ToInt64());

        await cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        FaultyBookkeeping.Writes.TryRemove(uid, out _);
    }

    private async Task<long> GrainStateRecordsAsync(string uid)
    {
        var states = fixture.Mongo.Client.GetDatabase(MongoGrainStorageOptions.DefaultDatabaseName).GetCollection<BsonDocument>(MongoGrainStorageOptions.DefaultCollectionName);
        return await states.CountDocumentsAsync(new BsonDocument("_id", new BsonRegularExpression($"{uid}$")));
    }
}
