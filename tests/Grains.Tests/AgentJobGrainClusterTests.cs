using System.Collections.Immutable;

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
    public async Task A_grain_activates_on_one_of_the_silos_and_answers_calls_from_the_test()
    {
        var uid = Guid.NewGuid().ToString();
        var grain = fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid);
        var observation = new JobObservation(
            uid, "ea-platform", "job-1", Guid.NewGuid().ToString(), "executing",
            [new NodeObservation("a", "completed", "{\"text\":\"hi\"}", "2025-01-02T03:04:05Z")],
            DateTimeOffset.UtcNow, "agent", "creator", "Job one", Deleted: false, DateTimeOffset.UtcNow, "1");

        var outcome = await grain.ObserveAsync(observation);
        var inspection = await grain.InspectAsync();

        Assert.Equal(SyncReason.NotPersisted, outcome.Reason);
        Assert.False(outcome.EntryExists);
        Assert.Equal(uid, inspection.Uid);
        Assert.Equal("executing", inspection.ObservedState);
        Assert.Equal("job-1", inspection.Name);
        var silos = fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress.ToString()).ToImmutableHashSet();
        Assert.NotNull(inspection.Silo);
        Assert.Contains(inspection.Silo, silos);
    }

    [Fact]
    public async Task One_job_has_one_activation_whichever_client_calls_it()
    {
        var uid = Guid.NewGuid().ToString();
        var first = await fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).InspectAsync();
        var second = await fixture.Cluster.Client.GetGrain<IAgentJobGrain>(uid).InspectAsync();

        Assert.Equal(first.Silo, second.Silo);
    }
}
