using MongoDB.Bson;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// Two activations of one job at once (two clusters on one database, as after a partition): the one that read the job's
/// bookkeeping before the entry existed must not trust that read when it later finds no entry.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StaleActivationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_stale_duplicate_activation_never_reinserts_an_entry_the_owner_removed()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        var stale = await ClusterFixture.DeployAsync(fixture.Mongo.Url, silos: 1);
        try
        {
            // The stale activation reads the job's bookkeeping while no entry exists yet.
            Assert.False((await stale.GrainFactory.GetGrain<IAgentJobGrain>(uid).InspectAsync()).EntryCreated);
            var created = await fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, "executing", 1));
            Assert.Equal(SyncReason.Synced, created.Reason);
            var entry = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
            await fixture.Users.UpdateOneAsync(new BsonDocument("id", owner), new BsonDocument("$pull", new BsonDocument("jobs", entry)));

            var outcome = await stale.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, "completed", 2));

            Assert.Equal(SyncReason.EntryRemovedByOwner, outcome.Reason);
            Assert.Empty(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
            Assert.True((await stale.GrainFactory.GetGrain<IAgentJobGrain>(uid).InspectAsync()).RemovedByOwner);
        }
        finally
        {
            await stale.StopAllSilosAsync();
            await stale.DisposeAsync();
        }
    }
}
