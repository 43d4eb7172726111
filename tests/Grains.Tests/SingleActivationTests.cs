using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace AgentJobSync.Grains.Tests;

/// <summary>Orleans' guarantee the grain relies on: one activation per job, one call at a time.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SingleActivationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Concurrent_calls_for_one_job_from_four_callers_run_on_one_activation_one_at_a_time()
    {
        const int calls = 120;
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();

        // The cluster's client and a grain factory inside each silo: four independent callers of the same grain.
        var callers = new List<IGrainFactory> { fixture.Cluster.Client };
        callers.AddRange(fixture.Cluster.Silos.Cast<InProcessSiloHandle>().Select(s => s.SiloHost.Services.GetRequiredService<IGrainFactory>()));
        string[] states = ["", "inactive", "executing", "completed"];

        var outcomes = await Task.WhenAll(Enumerable.Range(0, calls).Select(i =>
            callers[i % callers.Count].GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, states[i % states.Length], i % states.Length))));

        var recorded = CallRecorder.For(uid);
        Assert.Equal(calls, recorded.Count);
        Assert.Single(recorded.Activations);
        Assert.Equal(1, recorded.MaxInFlight);
        Assert.All(outcomes, o => Assert.True(o.IsInSync, $"{o.Reason}: {o.Message}"));
        var entry = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
        Assert.Equal("Complete", entry["status"].AsString);
        Assert.Equal("step-3", entry["nodes"][0]["status"].AsString);
    }
}
