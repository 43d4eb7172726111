using System.Diagnostics;
using AgentJobSync.TestHarness;
using Xunit.Abstractions;

namespace AgentJobSync.Silo.Tests;

/// <summary>
/// What Orleans' Kubernetes hosting does when pods and silos part ways: a deleted pod whose silo still runs gets that
/// silo declared dead (and the silo, seeing itself dead, stops); with <c>DELETE_DEAD_SILO_PODS=true</c> a silo declared
/// dead gets its pod deleted.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class PodLossTests(SiloFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_deleted_pod_gets_its_silo_declared_dead_and_a_dead_silo_loses_its_pod()
    {
        var kube = fixture.Kube.Client;
        var ns = await fixture.Kube.CreateNamespaceAsync("pod-loss");
        var clusterId = "p-" + Guid.NewGuid().ToString("N")[..10];
        string[] pods = ["silo-x", "silo-y", "silo-z"];
        var extra = new Dictionary<string, string> { ["DELETE_DEAD_SILO_PODS"] = "true" };
        var silos = new List<SiloProcess>();
        try
        {
            foreach (var pod in pods)
            {
                await Pods.CreateRunningAsync(kube, ns, pod);
            }

            silos.AddRange(await Task.WhenAll(pods.Select(pod => SiloProcess.StartAsync(fixture.SiloPods, ns, clusterId, pod, extra))));
            await Eventually.UntilAsync(
                async _ => (await MembershipRows.ReadAsync(kube, ns, clusterId)).Count(r => r.Status == "Active") == 3,
                Deadline, "three Active OrleansSilo objects");

            // The pod of a running silo disappears (deleted, node lost): the silos watching pods declare it dead.
            var orphan = silos[1];
            var clock = Stopwatch.StartNew();
            await Pods.DeleteAsync(kube, ns, orphan.PodName);
            await Eventually.UntilAsync(
                async _ => (await MembershipRows.ReadAsync(kube, ns, clusterId)).Single(r => r.SiloName == orphan.PodName).Status == "Dead",
                Deadline, $"{orphan.PodName}'s OrleansSilo object becomes Dead after its pod was deleted");
            var declaredDead = clock.Elapsed;
            await Eventually.UntilAsync(() => orphan.Process.HasExited, Deadline, $"{orphan.PodName}'s process stops once it sees itself dead");
            var code = await orphan.Process.WaitForExitAsync();
            output.WriteLine($"pod {orphan.PodName} deleted: silo declared Dead after {declaredDead.TotalMilliseconds:F0} ms; its process exited with {code} after {clock.Elapsed.TotalMilliseconds:F0} ms");
            Assert.Equal(2, (await MembershipRows.ReadAsync(kube, ns, clusterId)).Count(r => r.Status == "Active"));

            // A silo killed hard is declared dead by the probes; with DELETE_DEAD_SILO_PODS the survivor deletes its pod.
            var killed = silos[2];
            clock.Restart();
            killed.Process.Kill();
            await Eventually.UntilAsync(
                async _ => (await MembershipRows.ReadAsync(kube, ns, clusterId)).Single(r => r.SiloName == killed.PodName).Status == "Dead",
                Deadline, $"{killed.PodName}'s OrleansSilo object becomes Dead after SIGKILL");
            var killedDead = clock.Elapsed;
            await Eventually.UntilAsync(
                async _ => !await Pods.ExistsAsync(kube, ns, killed.PodName),
                Deadline, $"{killed.PodName}'s pod is deleted once its silo is dead");
            output.WriteLine($"SIGKILL {killed.PodName}: declared Dead after {killedDead.TotalMilliseconds:F0} ms, pod deleted after {clock.Elapsed.TotalMilliseconds:F0} ms");
            Assert.True(await Pods.ExistsAsync(kube, ns, silos[0].PodName), "the survivor's own pod was deleted");
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }
}
