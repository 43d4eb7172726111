using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.WatchHost.Tests.Process;

/// <summary>Silo feature flags off, end to end: a silo started with FEATURE_COMPLETED_AGENT_JOBS=false and FEATURE_NODE_STATUS_UPDATES=false.</summary>
[Collection(ProcessCollection.Name)]
public sealed class FeatureFlagProcessTests(ProcessFixture fixture)
{
    [Fact]
    public async Task With_completed_and_node_updates_off_the_entry_stops_at_executing_and_has_no_nodes()
    {
        var scenario = await Scenario.StartAsync(fixture, "flags");
        var owners = await scenario.CreateUsersAsync(1);
        await using var flagged = new LocalSiloCluster(PublishedApps.Locate(), fixture.Env.Mongo.Url, fixture.Cluster.LogDirectory + "-flags");
        await flagged.StartSilosAsync(1, new Dictionary<string, string>
        {
            ["FEATURE_COMPLETED_AGENT_JOBS"] = "false",
            ["FEATURE_NODE_STATUS_UPDATES"] = "false",
        });
        var host = await flagged.StartWatchHostAsync(fixture.Env.Kube.KubeconfigPath, scenario.Namespace, scenario.Namespace);
        await Scenario.UntilLeadingAsync(host);
        var job = await scenario.Driver.CreateAsync("job", owners[0]);
        Assert.True(await scenario.Driver.SetStateAsync(job, "executing"));
        await scenario.UntilInSyncAsync([job]);
        Assert.True(await scenario.Driver.SetStateAsync(job, "completed"));
        await Eventually.UntilAsync(
            async ct => await host.MetricAsync("agentjob_reconciles_total", "reason=\"FeatureDisabled\"", ct) >= 1,
            TimeSpan.FromSeconds(60), "the grain answered FeatureDisabled for Complete");
        var entry = (await scenario.Users.EntriesAsync())[job.Uid].Entry;
        Assert.Equal("Executing", UserDocuments.Status(entry));
        Assert.True(!entry.Contains("nodes") || entry["nodes"].IsBsonNull || entry["nodes"].AsBsonArray.Count == 0, "nodes were written: " + entry);
    }
}
