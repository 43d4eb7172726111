using System.Net;
using AgentJobSync.TestHarness;
using Xunit.Abstractions;

namespace AgentJobSync.Silo.Tests;

/// <summary>
/// A silo frozen (SIGSTOP, a stalled VM or node) long enough for the others to declare it Dead, then running again:
/// from then on its probes must not call it ready or leave it alive.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class FrozenSiloTests(SiloFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_silo_declared_dead_while_frozen_is_never_ready_again_and_stops()
    {
        var kube = fixture.Kube.Client;
        var ns = await fixture.Kube.CreateNamespaceAsync("frozen");
        var clusterId = "f-" + Guid.NewGuid().ToString("N")[..10];
        string[] pods = ["silo-f1", "silo-f2"];
        var silos = new List<SiloProcess>();
        try
        {
            foreach (var pod in pods)
            {
                await Pods.CreateRunningAsync(kube, ns, pod);
            }

            silos.AddRange(await Task.WhenAll(pods.Select(pod => SiloProcess.StartAsync(fixture.SiloPods, ns, clusterId, pod))));
            await Eventually.UntilAsync(
                async _ => (await MembershipRows.ReadAsync(kube, ns, clusterId)).Count(r => r.Status == "Active") == 2,
                Deadline, "two Active OrleansSilo objects");
            var frozen = silos[1];
            await Eventually.UntilAsync(async _ => (await frozen.GetAsync("/readyz")).Status == HttpStatusCode.OK, Deadline, "the silo to freeze is ready");

            frozen.Process.Pause();
            try
            {
                await Eventually.UntilAsync(
                    async _ => (await MembershipRows.ReadAsync(kube, ns, clusterId)).Single(r => r.SiloName == frozen.PodName).Status == "Dead",
                    Deadline, $"{frozen.PodName} is declared Dead while frozen");
            }
            finally
            {
                frozen.Process.Resume();
            }

            // Running again: every answer it gives until it stops says it is not ready.
            var answers = new List<string>();
            await Eventually.UntilAsync(
                async _ =>
                {
                    var (ready, readyBody) = await TryGetAsync(frozen, "/readyz");
                    var (alive, _) = await TryGetAsync(frozen, "/healthz");
                    answers.Add($"readyz {ready} {readyBody}; healthz {alive}");
                    return frozen.Process.HasExited || (ready is null && alive is null);
                },
                Deadline, $"{frozen.PodName} stops once it runs again");
            output.WriteLine(string.Join('\n', answers.Distinct()));
            Assert.DoesNotContain(answers, a => a.StartsWith("readyz OK", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    // The probe's status and body, or (null, "") when nothing answers.
    private static async Task<(HttpStatusCode? Status, string Body)> TryGetAsync(SiloProcess silo, string path)
    {
        try
        {
            return await silo.GetAsync(path);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (null, string.Empty);
        }
    }
}
