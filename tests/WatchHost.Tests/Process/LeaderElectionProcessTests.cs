using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.WatchHost.Tests.Process;

/// <summary>Two published watch hosts on one Lease: one routes; a graceful stop hands over at once; a lost lease stops routing.</summary>
[Collection(ProcessCollection.Name)]
public sealed class LeaderElectionProcessTests(ProcessFixture fixture)
{
    [Fact]
    public async Task A_gracefully_stopped_leader_releases_the_lease_and_the_standby_takes_over_at_once()
    {
        var scenario = await Scenario.StartAsync(fixture, "failover");
        var owners = await scenario.CreateUsersAsync(1);

        // A lease that would take a minute to expire: only a release lets the standby take over within the wait below.
        var longLease = new Dictionary<string, string>
        {
            ["LEASE_DURATION"] = "00:01:00",
            ["LEASE_RENEW_DEADLINE"] = "00:00:40",
            ["LEASE_RETRY_PERIOD"] = "00:00:01",
        };
        var leader = await scenario.StartWatchHostAsync(env: longLease);
        await Scenario.UntilLeadingAsync(leader);
        var standby = await scenario.StartWatchHostAsync(env: longLease);
        await Eventually.UntilAsync(
            async ct => (await standby.GetAsync("/readyz", ct)) is (200, var body) && body.Contains("standby", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the second watch host is a ready standby");
        Assert.Equal(1, await leader.MetricAsync("agentjob_watch_leader"));
        Assert.Equal(0, await standby.MetricAsync("agentjob_watch_leader"));

        var job = await scenario.Driver.CreateAsync("job", owners[0]);
        Assert.True(await scenario.Driver.SetStateAsync(job, "inactive"));
        await scenario.UntilInSyncAsync([job]);

        leader.Process.Terminate();
        Assert.Equal(0, await leader.Process.WaitForExitAsync());
        Assert.True(leader.Logged("released the lease"), "the leader did not release its lease");
        await Scenario.UntilLeadingAsync(standby, TimeSpan.FromSeconds(20));
        Assert.True(await scenario.Driver.SetStateAsync(job, "completed"));
        await scenario.UntilInSyncAsync([job]);
    }

    [Fact]
    public async Task A_leader_that_loses_its_lease_stops_routing_and_the_standby_takes_over()
    {
        var scenario = await Scenario.StartAsync(fixture, "leaseloss");
        var owners = await scenario.CreateUsersAsync(1);
        var api = await fixture.Env.Faults!.AddProxyAsync("api-" + scenario.Namespace, $"127.0.0.1:{fixture.Env.Kube.ApiServerPort}");
        var kubeconfig = fixture.Env.Kube.WriteKubeconfig(
            Path.Combine(fixture.Env.Kube.Directory, $"proxied-{scenario.Namespace}.kubeconfig"), $"https://127.0.0.1:{api.Port}");
        var leader = await scenario.StartWatchHostAsync(kubeconfig);
        await Scenario.UntilLeadingAsync(leader);
        var standby = await scenario.StartWatchHostAsync();
        await Eventually.UntilAsync(
            async ct => (await standby.GetAsync("/readyz", ct)).Body.Contains("standby", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the second watch host stands by");

        await api.DisableAsync();
        try
        {
            await Eventually.UntilAsync(
                async ct => leader.Logged("lost the lease") && await leader.MetricAsync("agentjob_watch_leader", cancellationToken: ct) == 0,
                TimeSpan.FromSeconds(30), "the cut-off leader stops routing");
            await Scenario.UntilLeadingAsync(standby, TimeSpan.FromSeconds(30));
            var job = await scenario.Driver.CreateAsync("job", owners[0]);
            Assert.True(await scenario.Driver.SetStateAsync(job, "executing"));
            await scenario.UntilInSyncAsync([job]);
            Assert.Equal(0, await leader.MetricAsync("agentjob_watch_leader"));
        }
        finally
        {
            await api.EnableAsync();
        }

        // Reconnected, the old leader campaigns again and stays a standby while the new leader renews.
        await Eventually.UntilAsync(
            async ct => (await leader.GetAsync("/readyz", ct)).Body.Contains("standby", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the old leader campaigns again");
        Assert.Equal(1, await standby.MetricAsync("agentjob_watch_leader"));
    }
}
