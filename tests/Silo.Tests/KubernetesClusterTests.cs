using System.Diagnostics;
using System.Net;
using AgentJobSync.Grains;
using AgentJobSync.Grains.Tests;
using AgentJobSync.TestHarness;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace AgentJobSync.Silo.Tests;

/// <summary>
/// Three published silo processes in three (kubelet-less) pods form one cluster through the Kubernetes membership;
/// grains spread over them; one silo is stopped with SIGTERM, another killed with SIGKILL, and the grains carry on.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class KubernetesClusterTests(SiloFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    /// <summary>The silo's default SHUTDOWN_TIMEOUT; the graceful stop must end within it.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(25);

    [Fact]
    public async Task Three_pods_form_one_cluster_survive_a_graceful_stop_and_a_hard_kill()
    {
        var kube = fixture.Kube.Client;
        var ns = await fixture.Kube.CreateNamespaceAsync("silos");
        var clusterId = "c-" + Guid.NewGuid().ToString("N")[..10];
        string[] pods = ["silo-a", "silo-b", "silo-c"];
        var silos = new List<SiloProcess>();
        try
        {
            foreach (var pod in pods)
            {
                await Pods.CreateRunningAsync(kube, ns, pod);
            }

            // Started together, as a Deployment's pods are.
            silos.AddRange(await Task.WhenAll(pods.Select(pod => SiloProcess.StartAsync(fixture.SiloPods, ns, clusterId, pod))));

            // One cluster through the Kubernetes membership: three Active rows, one per pod.
            await Eventually.UntilAsync(
                async _ => (await MembershipRows.ReadAsync(kube, ns, clusterId)).Count(r => r.Status == "Active") == 3,
                Deadline, "three Active OrleansSilo objects");
            var rows = await MembershipRows.ReadAsync(kube, ns, clusterId);
            Assert.Equal(pods.ToHashSet(), rows.Where(r => r.Status == "Active").Select(r => r.SiloName).ToHashSet());
            Assert.All(rows, r => Assert.StartsWith("127.0.0.1:", r.SiloAddress, StringComparison.Ordinal)); // POD_IP advertised

            // Orleans' Kubernetes hosting labels each silo's own pod with the cluster and service ids (it selects pods by them).
            foreach (var pod in pods)
            {
                var labels = await Pods.LabelsAsync(kube, ns, pod);
                Assert.Equal(clusterId, labels.TryGetValue(Pods.ClusterIdLabel, out var c) ? c : null);
                Assert.Equal("silo-tests", labels.TryGetValue(Pods.ServiceIdLabel, out var s) ? s : null);
            }

            await using var client = await ClusterClient.StartAsync(fixture, ns, clusterId);
            var management = client.Client.GetGrain<IManagementGrain>(0);
            await Eventually.UntilAsync(
                async _ => (await management.GetHosts(onlyActive: true)).Count == 3,
                Deadline, "the client's management grain sees 3 active silos");

            foreach (var silo in silos)
            {
                await Eventually.UntilAsync(
                    async _ => (await silo.GetAsync("/readyz")).Status == HttpStatusCode.OK,
                    Deadline, $"{silo.PodName} /readyz answers 200");
                Assert.Equal(HttpStatusCode.OK, (await silo.GetAsync("/healthz")).Status);
            }

            // ~30 jobs of 6 users; each grain activates where Orleans places it.
            var jobs = new List<(string Uid, string Owner, long Revision)>();
            for (var u = 0; u < 6; u++)
            {
                var owner = await Jobs.CreateUserAsync(fixture.Users);
                for (var j = 0; j < 5; j++)
                {
                    var uid = Guid.NewGuid().ToString();
                    var outcome = await client.Client.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, "inactive", step: 1));
                    Assert.Equal(SyncReason.Synced, outcome.Reason);
                    Assert.Equal(JobState.Pending, outcome.PersistedState);
                    jobs.Add((uid, owner, outcome.Revision));
                }
            }

            var placement = await PlacementAsync(client, jobs.Select(j => j.Uid));
            output.WriteLine("grains per silo: " + string.Join(", ", silos.Select(s => $"{s.PodName}={placement.Count(p => s.Hosts(p.Value))}")));
            Assert.All(silos, s => Assert.Contains(placement.Values, s.Hosts));

            // Orleans' meters and ours are exported by each silo that handled calls.
            var metrics = string.Join('\n', await Task.WhenAll(silos.Select(async s => (await s.GetAsync("/metrics")).Body)));
            Assert.Contains("agentjob_grain_calls_total", metrics, StringComparison.Ordinal);
            Assert.Contains("orleans_", metrics, StringComparison.Ordinal);

            // SIGTERM: readiness off at once, a graceful leave, exit 0 within the shutdown timeout.
            var stopped = silos[0];
            var stoppedGrains = placement.Where(p => stopped.Hosts(p.Value)).Select(p => p.Key).ToHashSet();
            var clock = Stopwatch.StartNew();
            stopped.Process.Terminate();
            var draining = "";
            await Eventually.UntilAsync(
                async _ =>
                {
                    var (status, body) = await stopped.GetAsync("/readyz");
                    draining = body;
                    return status == HttpStatusCode.ServiceUnavailable && body.Contains("draining", StringComparison.Ordinal);
                },
                TimeSpan.FromSeconds(5), $"{stopped.PodName} /readyz reports draining after SIGTERM");
            var readinessOff = clock.Elapsed;
            Assert.False(stopped.Process.HasExited);
            var exitCode = await stopped.Process.WaitForExitAsync().WaitAsync(ShutdownTimeout + TimeSpan.FromSeconds(5));
            var exited = clock.Elapsed;
            Assert.Equal(0, exitCode);
            Assert.True(exited < ShutdownTimeout, $"the graceful stop took {exited}, longer than SHUTDOWN_TIMEOUT {ShutdownTimeout}");
            Assert.Contains(stopped.Process.RecentLines, l => l.Contains("shutdown started: readiness is off", StringComparison.Ordinal));
            Assert.Equal("Dead", (await MembershipRows.ReadAsync(kube, ns, clusterId)).Single(r => r.SiloName == stopped.PodName).Status);
            output.WriteLine($"SIGTERM {stopped.PodName}: readiness off after {readinessOff.TotalMilliseconds:F0} ms ({draining}); exit 0 after {exited.TotalMilliseconds:F0} ms");

            // Its grains answer from the other silos at the first call (no error), with the revision continuing.
            jobs = await AdvanceAsync(client, jobs, stoppedGrains, "executing", JobState.Executing, step: 2);
            var afterStop = await PlacementAsync(client, stoppedGrains);
            Assert.All(afterStop.Values, silo => Assert.False(stopped.Hosts(silo), $"a grain still reports the stopped silo {silo}"));

            // SIGKILL: the remaining silo declares it dead; its grains come back with their state from the database.
            var remaining = await PlacementAsync(client, jobs.Select(j => j.Uid));
            var killed = silos.Skip(1).MaxBy(s => remaining.Count(p => s.Hosts(p.Value)))!;
            var survivor = silos.Skip(1).Single(s => s != killed);
            var killedGrains = remaining.Where(p => killed.Hosts(p.Value)).Select(p => p.Key).ToHashSet();
            Assert.NotEmpty(killedGrains);
            clock.Restart();
            killed.Process.Kill();
            await Eventually.UntilAsync(
                async _ => (await MembershipRows.ReadAsync(kube, ns, clusterId)).Single(r => r.SiloName == killed.PodName).Status == "Dead",
                Deadline, $"{killed.PodName}'s OrleansSilo object becomes Dead");
            var declaredDead = clock.Elapsed;
            await Eventually.UntilAsync(
                async _ => (await PlacementAsync(client, killedGrains)).Values.All(s => !killed.Hosts(s)),
                Deadline, "every grain of the killed silo answers from another silo");
            var answering = clock.Elapsed;
            output.WriteLine(
                $"SIGKILL {killed.PodName} ({killedGrains.Count} grains; PROBE_TIMEOUT 2 s, MISSED_PROBES_LIMIT 3, DEATH_VOTES 2): " +
                $"declared Dead after {declaredDead.TotalMilliseconds:F0} ms, its grains answering again after {answering.TotalMilliseconds:F0} ms");

            jobs = await AdvanceAsync(client, jobs, killedGrains, "completed", JobState.Complete, step: 3);
            Assert.All((await PlacementAsync(client, killedGrains)).Values, s => Assert.True(survivor.Hosts(s), $"{s} is not the survivor"));
            foreach (var (uid, owner, revision) in jobs.Where(j => killedGrains.Contains(j.Uid)))
            {
                var entry = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
                Assert.Equal("Complete", entry["status"].AsString);
                Assert.Equal(revision, entry["sync_rev"].ToInt64());
            }
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static async Task<Dictionary<string, string?>> PlacementAsync(ClusterClient client, IEnumerable<string> uids)
    {
        var inspections = await Task.WhenAll(uids.Select(uid => client.Client.GetGrain<IAgentJobGrain>(uid).InspectAsync()));
        return inspections.ToDictionary(i => i.Uid, i => i.Silo);
    }

    /// <summary>Moves <paramref name="which"/> jobs to <paramref name="state"/>; each call must succeed and bump the revision by one.</summary>
    private static async Task<List<(string Uid, string Owner, long Revision)>> AdvanceAsync(
        ClusterClient client, List<(string Uid, string Owner, long Revision)> jobs, IReadOnlySet<string> which, string state, JobState expected, int step)
    {
        var next = new List<(string Uid, string Owner, long Revision)>();
        foreach (var (uid, owner, revision) in jobs)
        {
            if (!which.Contains(uid))
            {
                next.Add((uid, owner, revision));
                continue;
            }

            var outcome = await client.Client.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, state, step));
            Assert.Equal(SyncReason.Synced, outcome.Reason);
            Assert.Equal(expected, outcome.PersistedState);
            Assert.Equal(revision + 1, outcome.Revision);
            next.Add((uid, owner, outcome.Revision));
        }

        return next;
    }
}
