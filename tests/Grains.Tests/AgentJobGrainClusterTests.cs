using MongoDB.Bson;

namespace AgentJobSync.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class AgentJobGrainClusterTests(ClusterFixture fixture)
{
    [Fact]
    public async Task The_cluster_runs_three_active_silos()
    {
        var hosts = await fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);

        Assert.Equal(ClusterFixture.SiloCount, hosts.Count);
    }

    [Fact]
    public async Task A_job_seen_through_its_states_has_one_entry_in_its_final_state_with_a_timeline()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        var grain = fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);

        var outcomes = new List<SyncOutcome>();
        foreach (var (state, step) in new[] { ("", 0), ("inactive", 1), ("executing", 2), ("completed", 3) })
        {
            outcomes.Add(await grain.ObserveAsync(Jobs.Observe(uid, owner, state, step)));
        }

        Assert.All(outcomes, o => Assert.Equal(SyncReason.Synced, o.Reason));
        var entry = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
        Assert.Equal("Complete", entry["status"].AsString);
        Assert.Equal("AgentJob", entry["job_type"].AsString);
        Assert.Equal("step-3", entry["nodes"][0]["status"].AsString);
        Assert.Equal(3, entry["nodes"][0]["output"]["step"].ToInt32());
        var inspection = await grain.InspectAsync();
        Assert.Equal([JobState.New, JobState.Pending, JobState.Executing, JobState.Complete], inspection.Timeline.Select(t => t.State));
        Assert.Equal(4, inspection.Revision);
        Assert.True(inspection.EntryCreated);
        var silos = fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress.ToString()).ToHashSet();
        Assert.Contains(inspection.Silo!, silos);
    }

    [Fact]
    public async Task The_timeline_saved_lazily_reaches_storage_by_its_timer_and_survives_deactivation()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        foreach (var (state, step) in new[] { ("", 0), ("inactive", 1), ("executing", 2), ("completed", 3) })
        {
            await fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, state, step));
        }

        // No call and no deactivation: the one-shot timer saves the history (the directory reads the stored state).
        var directory = fixture.Cluster.GrainFactory.GetGrain<IJobDirectoryGrain>(0);
        await AgentJobSync.TestHarness.Eventually.UntilAsync(
            async _ => (await directory.FindAsync(new JobQuery { Uid = uid })).SingleOrDefault() is { Revision: 4, PersistedState: JobState.Complete },
            TimeSpan.FromSeconds(30), "the stored bookkeeping reaches revision 4");

        await fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var reactivated = await fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).InspectAsync();
        Assert.Equal(4, reactivated.Revision);
        Assert.Equal([JobState.New, JobState.Pending, JobState.Executing, JobState.Complete], reactivated.Timeline.Select(t => t.State));
    }

    [Fact]
    public async Task A_job_whose_deletion_is_recorded_lets_its_activation_go_with_its_history_stored()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        var grain = fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);
        var management = fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0);
        await grain.ObserveAsync(Jobs.Observe(uid, owner, "executing", 1));
        await grain.ObserveAsync(Jobs.Observe(uid, owner, "completed", 2));
        Assert.Equal(1, await management.GetGrainActivationCount((GrainReference)grain));

        var deleted = await grain.ObserveAsync(Jobs.Observe(uid, owner, "completed", 3, deleted: true));

        Assert.True(deleted.IsInSync, deleted.Message);
        // Gone long before the collection age (15 minutes), and its unsaved history with it to storage.
        await AgentJobSync.TestHarness.Eventually.UntilAsync(
            async _ => await management.GetGrainActivationCount((GrainReference)grain) == 0,
            TimeSpan.FromSeconds(30), "the deleted job's activation is collected");
        var stored = Assert.Single(await fixture.Cluster.GrainFactory.GetGrain<IJobDirectoryGrain>(0).FindAsync(new JobQuery { Uid = uid }));
        Assert.True(stored.Deleted);
        Assert.Equal((3L, JobState.Complete), (stored.Revision, stored.PersistedState));
    }

    [Fact]
    public async Task History_is_stored_when_the_grain_deactivates()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        var grain = fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);
        await grain.ObserveAsync(Jobs.Observe(uid, owner, "inactive", 1));
        await grain.ObserveAsync(Jobs.Observe(uid, owner, "executing", 2));

        await fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var stored = Assert.Single(await fixture.Cluster.GrainFactory.GetGrain<IJobDirectoryGrain>(0).FindAsync(new JobQuery { Uid = uid }));

        Assert.Equal((2L, JobState.Executing), (stored.Revision, stored.PersistedState));
        Assert.Equal(2, (await grain.InspectAsync()).Timeline.Length);
    }

    [Fact]
    public async Task An_edited_owner_keeps_the_entry_in_the_first_owners_document_and_is_reported()
    {
        var first = await Jobs.CreateUserAsync(fixture.Users);
        var second = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        await fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, first, "executing", 1));

        var edited = await fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, second, "completed", 2));
        await fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var afterReactivation = await fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, second, "completed", 3));

        Assert.Equal((SyncReason.OwnerChanged, JobState.Complete), (edited.Reason, edited.PersistedState));
        Assert.Contains(second, edited.Message, StringComparison.Ordinal);
        Assert.Equal(SyncReason.OwnerChanged, afterReactivation.Reason);
        var entry = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, first), uid));
        Assert.Equal(("Complete", "step-3"), (entry["status"].AsString, entry["nodes"][0]["status"].AsString));
        Assert.Empty(Jobs.Entries(await Jobs.UserAsync(fixture.Users, second), uid));
    }

    [Fact]
    public async Task An_entry_the_owner_removed_is_never_written_again_also_after_reactivation()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        var grain = fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);
        await grain.ObserveAsync(Jobs.Observe(uid, owner, "executing", 1));
        var entry = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));

        // The manager removes the entry (FerretDB v1 only pulls equal values: pull the exact element).
        await fixture.Users.UpdateOneAsync(new BsonDocument("id", owner), new BsonDocument("$pull", new BsonDocument("jobs", entry)));
        var removed = await grain.ObserveAsync(Jobs.Observe(uid, owner, "completed", 2));
        await fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var afterReactivation = await fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, "completed", 3));

        Assert.Equal(SyncReason.EntryRemovedByOwner, removed.Reason);
        Assert.True(removed.RemovedByOwner);
        Assert.Equal(SyncReason.EntryRemovedByOwner, afterReactivation.Reason);
        Assert.Empty(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
    }

    [Fact]
    public async Task Bad_input_is_reported_without_touching_the_database()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var before = await Jobs.UserAsync(fixture.Users, owner);

        var noOwner = await fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(Guid.NewGuid().ToString()).ObserveAsync(Jobs.Observe(Guid.NewGuid().ToString(), "", "executing"));
        var notUuid = await fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(Guid.NewGuid().ToString()).ObserveAsync(Jobs.Observe(Guid.NewGuid().ToString(), "bob", "executing"));
        var uid = Guid.NewGuid().ToString();
        var unknown = await fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, "exploded"));
        var orphan = Guid.NewGuid().ToString();
        var noUser = await fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(orphan).ObserveAsync(Jobs.Observe(orphan, Guid.NewGuid().ToString(), "executing"));

        Assert.Equal(SyncReason.InvalidOwner, noOwner.Reason);
        Assert.Equal(SyncReason.InvalidOwner, notUuid.Reason);
        Assert.Equal(SyncReason.UnknownState, unknown.Reason);
        Assert.Equal(SyncReason.UserNotFound, noUser.Reason);
        Assert.True(noUser.IsTransient);
        Assert.Equal(before, await Jobs.UserAsync(fixture.Users, owner));
    }
}
