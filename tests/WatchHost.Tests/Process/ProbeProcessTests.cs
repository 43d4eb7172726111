using AgentJobSync.TestHarness;
using k8s;
using Xunit;

namespace AgentJobSync.WatchHost.Tests.Process;

/// <summary>
/// The published watch host's probes against the real API server as an operator would break it: RBAC revoked on
/// AgentJobs, the AgentJob CRD deleted and recreated, the API server unreachable or its connection stalled, a Lease it
/// may not read. Readiness turns red within <c>WATCH_PROGRESS_BOUND</c> and green again without a restart. Silos that
/// stop answering while AgentJobs wait turn liveness red after <c>ROUTING_STALL_BOUND</c>, and green once they answer.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class ProbeProcessTests(ProcessFixture fixture)
{
    private static readonly TimeSpan Red = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Green = TimeSpan.FromSeconds(120);

    // Short product bounds: each watch lasts 3 s, and a leader without list or watch progress for 8 s is not ready.
    private static readonly Dictionary<string, string> ShortBounds = new()
    {
        ["WATCH_TIMEOUT"] = "00:00:03",
        ["WATCH_PROGRESS_BOUND"] = "00:00:08",
    };

    [Fact]
    public async Task Readiness_turns_red_when_AgentJobs_are_forbidden_and_green_again_after_the_grant()
    {
        var scenario = await Scenario.StartAsync(fixture, "rbac");
        var owners = await scenario.CreateUsersAsync(1);
        var user = await RestrictedUser.CreateAsync(fixture.Env.Kube, scenario.Namespace, "watchhost");
        await user.GrantAsync(RestrictedUser.AgentJobReader);
        await user.GrantAsync(RestrictedUser.LeaderAndEvents);
        var host = await scenario.StartWatchHostAsync(user.KubeconfigPath, ShortBounds);
        await Scenario.UntilLeadingAsync(host);

        await user.RevokeAsync(RestrictedUser.AgentJobReader);
        var red = await UntilNotReadyAsync(host, "no list or watch progress");
        Assert.Contains("403", red, StringComparison.Ordinal);
        Assert.Equal(200, (await host.GetAsync("/healthz")).Status);

        await user.GrantAsync(RestrictedUser.AgentJobReader);
        await RoutesAgainWithoutRestartAsync(scenario, host, owners[0]);
    }

    [Fact]
    public async Task Readiness_turns_red_while_the_AgentJob_CRD_is_deleted_and_green_once_it_is_recreated()
    {
        var scenario = await Scenario.StartAsync(fixture, "crd");
        var owners = await scenario.CreateUsersAsync(1);
        var host = await scenario.StartWatchHostAsync(env: ShortBounds);
        await Scenario.UntilLeadingAsync(host);

        var kube = fixture.Env.Kube;
        await kube.Client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("agentjobs.ea.erulabs.ai");
        try
        {
            var red = await UntilNotReadyAsync(host, "no list or watch progress");
            Assert.Contains("404", red, StringComparison.Ordinal);
        }
        finally
        {
            await Eventually.UntilAsync(
                async ct => (await kube.Client.ApiextensionsV1.ListCustomResourceDefinitionAsync(cancellationToken: ct)).Items.All(c => c.Metadata.Name != "agentjobs.ea.erulabs.ai"),
                TimeSpan.FromSeconds(60), "the CRD is gone");
            await kube.InstallCrdsAsync(Path.Combine(TestAssets.RepoRoot, "k8s", "crd"));
        }

        await RoutesAgainWithoutRestartAsync(scenario, host, owners[0]);
    }

    [Fact]
    public async Task Readiness_turns_red_while_the_API_server_is_unreachable_or_stalled_and_recovers_without_restart()
    {
        var scenario = await Scenario.StartAsync(fixture, "apifault");
        var owners = await scenario.CreateUsersAsync(1);
        var api = await fixture.Env.Faults!.AddProxyAsync("api-" + scenario.Namespace, $"127.0.0.1:{fixture.Env.Kube.ApiServerPort}");
        var kubeconfig = fixture.Env.Kube.WriteKubeconfig(
            Path.Combine(fixture.Env.Kube.Directory, $"proxied-{scenario.Namespace}.kubeconfig"), $"https://127.0.0.1:{api.Port}");
        var host = await scenario.StartWatchHostAsync(kubeconfig, ShortBounds);
        await Scenario.UntilLeadingAsync(host);

        // Unreachable: connections refused.
        await api.DisableAsync();
        try
        {
            await UntilNotReadyAsync(host, string.Empty);
            Assert.Equal(200, (await host.GetAsync("/healthz")).Status);
        }
        finally
        {
            await api.EnableAsync();
        }

        await Scenario.UntilLeadingAsync(host, Green);

        // Stalled: the connections stay open and nothing comes back.
        await api.StallAsync();
        try
        {
            await UntilNotReadyAsync(host, string.Empty);
            Assert.Equal(200, (await host.GetAsync("/healthz")).Status);
        }
        finally
        {
            await api.RemoveToxicsAsync();
        }

        await RoutesAgainWithoutRestartAsync(scenario, host, owners[0]);
    }

    [Fact]
    public async Task A_standby_that_cannot_read_its_Lease_logs_why_and_is_not_ready()
    {
        var scenario = await Scenario.StartAsync(fixture, "leaseread");
        var user = await RestrictedUser.CreateAsync(fixture.Env.Kube, scenario.Namespace, "watchhost");
        await user.GrantAsync(RestrictedUser.AgentJobReader);
        var host = await scenario.StartWatchHostAsync(user.KubeconfigPath);

        await Eventually.UntilAsync(
            () => host.Logged("could not read the lease") && host.Logged("status 403"),
            TimeSpan.FromSeconds(60), "the standby logs why it cannot read its Lease");
        await Eventually.UntilAsync(
            async ct => await host.MetricAsync("agentjob_lease_errors_total", "code=\"403\"", ct) >= 1,
            TimeSpan.FromSeconds(30), "the Lease errors are counted by status code");
        var red = await UntilNotReadyAsync(host, "standby: the lease was not read");
        Assert.Contains("403", red, StringComparison.Ordinal);

        await user.GrantAsync(RestrictedUser.LeaderAndEvents);
        await Scenario.UntilLeadingAsync(host, Green);
    }

    [Fact]
    public async Task Liveness_turns_red_while_every_worker_waits_on_silos_that_do_not_answer_and_green_once_they_answer()
    {
        var scenario = await Scenario.StartAsync(fixture, "stall");
        var owners = await scenario.CreateUsersAsync(1);
        var host = await scenario.StartWatchHostAsync(env: new Dictionary<string, string>
        {
            ["WORKERS"] = "1",
            ["ROUTING_STALL_BOUND"] = "00:00:03",
        });
        await Scenario.UntilLeadingAsync(host);

        // Frozen silos keep their connections open and never answer: the one worker's grain call hangs (until the
        // client's response timeout) while the other jobs' keys wait behind it.
        var silos = Enumerable.Range(0, fixture.Cluster.Silos.Count).Select(fixture.Cluster.Silo).ToList();
        var jobs = new List<OperatorJob>();
        silos.ForEach(silo => silo.Pause());
        try
        {
            for (var i = 0; i < 3; i++)
            {
                jobs.Add(await scenario.Driver.CreateAsync($"stalled-{i}", owners[0]));
            }

            var body = string.Empty;
            await Eventually.UntilAsync(
                async ct =>
                {
                    (var status, body) = await host.GetAsync("/healthz", ct);
                    return status == 503;
                },
                Red, $"{host.Identity} is not alive while its worker is stuck");
            Assert.Contains("nothing finished within 00:00:03 (ROUTING_STALL_BOUND)", body, StringComparison.Ordinal);
        }
        finally
        {
            silos.ForEach(silo => silo.Resume());
        }

        await Eventually.UntilAsync(async ct => (await host.GetAsync("/healthz", ct)).Status == 200, Green, $"{host.Identity} is alive again");
        await scenario.UntilInSyncAsync(jobs);
        Assert.False(host.Process.HasExited, "recovered by restarting");
    }

    // Ready again, and a new job's change reaches its entry, from the same process.
    private static async Task RoutesAgainWithoutRestartAsync(Scenario scenario, WatchHostProcess host, string owner)
    {
        await Scenario.UntilLeadingAsync(host, Green);
        var job = await scenario.Driver.CreateAsync("job", owner);
        Assert.True(await scenario.Driver.SetStateAsync(job, "executing"));
        await scenario.UntilInSyncAsync([job]);
        Assert.False(host.Process.HasExited, "recovered by restarting");
    }

    // Polls /readyz until it answers 503 with a body containing <paramref name="reason"/>; returns the body.
    private static async Task<string> UntilNotReadyAsync(WatchHostProcess host, string reason)
    {
        var body = string.Empty;
        await Eventually.UntilAsync(
            async ct =>
            {
                (var status, body) = await host.GetAsync("/readyz", ct);
                return status == 503 && body.Contains(reason, StringComparison.Ordinal);
            },
            Red, $"{host.Identity} is not ready ({reason})");
        return body;
    }
}
