using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// The platform's manager writes the same user documents while the grains sync: it pushes and removes entries of its
/// own, removes some of ours, sets credits and pushes and pulls devices. Nothing it wrote is clobbered, and an entry the
/// owner removed is never inserted again: not by the grains that saw it, not by a fresh cluster.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ManagerWritersTests(ClusterFixture fixture)
{
    private const int ManagerRounds = 24;

    [Fact]
    public async Task Manager_writes_during_a_run_survive_and_entries_the_owner_removed_stay_removed()
    {
        var plan = await JobPlan.CreateAsync(fixture.Users, jobs: 40, owners: 4, seed: 31);
        var owners = plan.Jobs.Select(j => j.Owner).Distinct().ToList();
        var toRemove = plan.Jobs.Where((_, i) => i % 5 == 0).Select(j => j.Uid).ToHashSet();
        var observations = JobPlan.Shuffle(plan.AllObservations.SelectMany(o => new[] { o, o }), new Random(3));

        var sync = Delivery.DeliverAsync(observations, [fixture.Cluster], parallelism: 12);
        var managers = owners.Select(ManagerAsync).ToList();
        var removals = plan.Jobs.Where(j => toRemove.Contains(j.Uid)).Select(j => RemoveOnceSeenAsync(j.Owner, j.Uid)).ToList();
        await sync;
        var expected = await Task.WhenAll(managers);
        await Task.WhenAll(removals);

        // The resync delivers every job's current state again, once to this cluster and once to a fresh one.
        await Delivery.DeliverAsync([.. plan.Jobs.Select(j => j.Observations[^1])], [fixture.Cluster], parallelism: 12);
        var fresh = await ClusterFixture.DeployAsync(fixture.Mongo.Url, silos: 1);
        try
        {
            foreach (var uid in toRemove)
            {
                var job = plan.Jobs.Single(j => j.Uid == uid);
                var outcome = await fresh.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(job.Observations[^1]);
                Assert.Equal(SyncReason.EntryRemovedByOwner, outcome.Reason);
                Assert.False(outcome.EntryExists);
            }

            await Delivery.DeliverAsync([.. plan.Jobs.Select(j => j.Observations[^1])], [fresh], parallelism: 12);
        }
        finally
        {
            await fresh.StopAllSilosAsync();
            await fresh.DisposeAsync();
        }

        await plan.AssertConvergedAsync(fixture.Users, ClusterFixture.Writes, toRemove);
        foreach (var (owner, manager) in owners.Zip(expected))
        {
            var user = await Jobs.UserAsync(fixture.Users, owner);
            var managerEntries = user["jobs"].AsBsonArray.OfType<BsonDocument>()
                .Where(j => j.GetValue("job_type", BsonNull.Value) == "Manager").Select(j => j["id"].AsString).ToList();
            Assert.Equal(manager.Entries.Order(), managerEntries.Order());
            Assert.Equal(ManagerRounds, user["compute_credits"].ToInt32());
            Assert.Equal(manager.Devices, user["compute_devices"].AsBsonArray.Select(d => d["id"].AsString));
        }
    }

    private sealed record ManagerState(IReadOnlyList<string> Entries, IReadOnlyList<string> Devices);

    // One manager per user, writing the way the platform's manager does, each write one request.
    private async Task<ManagerState> ManagerAsync(string owner)
    {
        var byOwner = new BsonDocument("id", owner);
        var entries = new List<string> { "manager-" + owner[..8] };
        var devices = new List<string>();
        for (var round = 1; round <= ManagerRounds; round++)
        {
            var id = $"manager-{owner[..8]}-{round}";
            var entry = new BsonDocument { { "id", id }, { "job_type", "Manager" } };
            await fixture.Users.UpdateOneAsync(byOwner, new BsonDocument("$push", new BsonDocument("jobs", entry)));
            entries.Add(id);
            await fixture.Users.UpdateOneAsync(byOwner, new BsonDocument("$set", new BsonDocument("compute_credits", round)));
            var device = new BsonDocument("id", $"device-{round}");
            await fixture.Users.UpdateOneAsync(byOwner, new BsonDocument("$push", new BsonDocument("compute_devices", device)));
            devices.Add($"device-{round}");
            if (round % 3 == 0)
            {
                // FerretDB v1 pulls only equal values; the manager's elements never change, so the exact element works.
                await fixture.Users.UpdateOneAsync(byOwner, new BsonDocument("$pull", new BsonDocument("compute_devices", new BsonDocument("id", $"device-{round - 1}"))));
                devices.Remove($"device-{round - 1}");
                await fixture.Users.UpdateOneAsync(byOwner, new BsonDocument("$pull", new BsonDocument("jobs", new BsonDocument { { "id", $"manager-{owner[..8]}-{round - 1}" }, { "job_type", "Manager" } })));
                entries.Remove($"manager-{owner[..8]}-{round - 1}");
            }
        }

        return new ManagerState(entries, devices);
    }

    // The owner removes our entry as soon as it appears; the grains may be changing it, so read and pull the exact
    // element until one pull applies, as a $pull by id would in one request on MongoDB.
    private async Task RemoveOnceSeenAsync(string owner, string uid)
    {
        var byOwner = new BsonDocument("id", owner);
        await AgentJobSync.TestHarness.Eventually.UntilAsync(async _ =>
        {
            var entry = Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid).SingleOrDefault();
            if (entry is null)
            {
                return false;
            }

            var result = await fixture.Users.UpdateOneAsync(byOwner, new BsonDocument("$pull", new BsonDocument("jobs", entry)));
            return result.ModifiedCount == 1;
        }, TimeSpan.FromSeconds(120), $"the owner removes {uid}");
    }
}
