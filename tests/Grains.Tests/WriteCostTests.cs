using MongoDB.Bson;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// The database commands one job's call sends, counted from the silos' driver events (every command that names the
/// job's UID or its owner's id): what the write path costs, as exact counts, on the real database.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WriteCostTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_new_job_seen_first_costs_a_claim_an_append_and_one_save()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();

        var (outcome, commands) = await ObserveCountingAsync(uid, owner, Jobs.Observe(uid, owner, "inactive", 1) with { FirstSight = true });

        Assert.Equal(SyncReason.Synced, outcome.Reason);
        Assert.Equal(["insert", "findAndModify", "update"], commands);
        Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
    }

    [Fact]
    public async Task The_transitions_after_a_new_job_are_one_guarded_update_each()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        await Grain(uid).ObserveAsync(Jobs.Observe(uid, owner, "inactive", 1) with { FirstSight = true });

        var (executing, first) = await ObserveCountingAsync(uid, owner, Jobs.Observe(uid, owner, "executing", 2));
        var (completed, second) = await ObserveCountingAsync(uid, owner, Jobs.Observe(uid, owner, "completed", 3));

        Assert.Equal([SyncReason.Synced, SyncReason.Synced], new[] { executing.Reason, completed.Reason });
        Assert.Equal(["findAndModify"], first);
        Assert.Equal(["findAndModify"], second);
        Assert.Equal("Complete", Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid))["status"].AsString);
    }

    // The write after an append decides from the entry the append returned and reads nothing, so copies of the entry that
    // another writer (the previous operator, during a migration) appended in between show only in what the write returns.
    [Fact]
    public async Task Copies_another_writer_appended_after_the_grains_append_are_removed_by_its_next_write()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        await Grain(uid).ObserveAsync(Jobs.Observe(uid, owner, "inactive", 1) with { FirstSight = true });
        var copy = new BsonDocument { { "id", uid }, { "job_name", "old copy" }, { "status", "New" } };
        var copies = new BsonDocument("$each", new BsonArray { copy, copy.DeepClone() });
        await fixture.Users.UpdateOneAsync(new BsonDocument("id", owner), new BsonDocument("$push", new BsonDocument("jobs", copies)));

        var (outcome, commands) = await ObserveCountingAsync(uid, owner, Jobs.Observe(uid, owner, "executing", 2));

        Assert.Equal(SyncReason.Synced, outcome.Reason);
        Assert.Equal(["findAndModify", "update"], commands);
        Assert.Equal("Executing", Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid))["status"].AsString);
    }

    [Fact]
    public async Task A_job_that_changed_while_its_grain_was_idle_costs_the_bookkeeping_read_and_one_guarded_update()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        var nodes = Jobs.Observe(uid, owner, "inactive", 1).Nodes;
        await Grain(uid).ObserveAsync(Jobs.Observe(uid, owner, "inactive", 1) with { FirstSight = true });
        await DeactivateAllAsync();

        // Same nodes as last written: the grain writes from what it remembers, without reading the owner's document.
        var (outcome, commands) = await ObserveCountingAsync(uid, owner, Jobs.Observe(uid, owner, "executing", 1) with { Nodes = nodes });

        Assert.Equal(SyncReason.Synced, outcome.Reason);
        Assert.Equal(["find", "findAndModify"], commands);
        Assert.Equal("Executing", Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid))["status"].AsString);
    }

    [Fact]
    public async Task Nodes_that_changed_while_the_grain_was_idle_are_merged_with_the_entrys_after_a_read()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        await Grain(uid).ObserveAsync(Jobs.Observe(uid, owner, "executing", 1) with { FirstSight = true });
        await DeactivateAllAsync();
        var later = Jobs.Observe(uid, owner, "executing", 2);
        var other = new NodeObservation("b", "running", "{\"b\":1}", later.Nodes[0].LastUpdated);

        var (outcome, commands) = await ObserveCountingAsync(uid, owner, later with { Nodes = [other] });

        Assert.Equal(SyncReason.Synced, outcome.Reason);
        Assert.Equal(["find", "find", "findAndModify"], commands);
        var entry = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
        Assert.Equal(["a", "b"], entry["nodes"].AsBsonArray.Select(n => n["alias"].AsString));
        Assert.Equal("step-1", entry["nodes"][0]["status"].AsString);
    }

    [Fact]
    public async Task A_first_sight_whose_user_does_not_exist_lets_go_of_its_claim_and_follows_a_corrected_owner()
    {
        var missing = Guid.NewGuid().ToString();
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();

        var notFound = await Grain(uid).ObserveAsync(Jobs.Observe(uid, missing, "executing", 1) with { FirstSight = true });
        await DeactivateAllAsync();
        var corrected = await Grain(uid).ObserveAsync(Jobs.Observe(uid, owner, "executing", 2));

        Assert.Equal(SyncReason.UserNotFound, notFound.Reason);
        Assert.Equal(SyncReason.Synced, corrected.Reason);
        Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
    }

    [Fact]
    public async Task A_wrong_first_sight_hint_on_a_known_job_costs_more_but_never_writes_a_second_entry_or_one_the_owner_removed()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        await Grain(uid).ObserveAsync(Jobs.Observe(uid, owner, "executing", 1) with { FirstSight = true });
        await DeactivateAllAsync();
        var again = await Grain(uid).ObserveAsync(Jobs.Observe(uid, owner, "completed", 2) with { FirstSight = true });
        var entry = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
        await fixture.Users.UpdateOneAsync(new BsonDocument("id", owner), new BsonDocument("$pull", new BsonDocument("jobs", entry)));
        await DeactivateAllAsync();

        var removed = await Grain(uid).ObserveAsync(Jobs.Observe(uid, owner, "completed", 3) with { FirstSight = true });

        Assert.Equal(SyncReason.Synced, again.Reason);
        Assert.Equal("Complete", entry["status"].AsString);
        Assert.Equal(SyncReason.EntryRemovedByOwner, removed.Reason);
        Assert.Empty(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
    }

    private IAgentJobGrain Grain(string uid) => fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);

    private Task DeactivateAllAsync() => fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    // The call's outcome and the names of the commands sent for this job or its owner while it ran.
    private async Task<(SyncOutcome Outcome, string[] Commands)> ObserveCountingAsync(string uid, string owner, JobObservation observation)
    {
        var before = ClusterFixture.Writes.Sent.Count;
        var outcome = await Grain(uid).ObserveAsync(observation);
        var commands = ClusterFixture.Writes.Sent.Skip(before).Where(c => c.Mentions(uid) || c.Mentions(owner)).Select(c => c.Name).ToArray();
        return (outcome, commands);
    }
}
