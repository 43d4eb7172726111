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

    private IAgentJobGrain Grain(string uid) => fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);
}
