using AgentJobSync.TestHarness;
using Xunit.Abstractions;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// Many jobs, observations shuffled and duplicated, delivered concurrently: every job ends with exactly one entry in its
/// final state with its newest nodes, and the write log never shows a job's entry moving back or being inserted twice.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ConvergenceTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Shuffled_duplicated_concurrent_observations_of_150_jobs_converge_without_a_backward_write()
    {
        var plan = await JobPlan.CreateAsync(fixture.Users, jobs: 150, owners: 5, seed: 1234);
        var observations = JobPlan.Shuffle(plan.AllObservations.SelectMany(o => Enumerable.Repeat(o, 5)), new Random(99));
        Assert.True(observations.Count >= 2000, $"only {observations.Count} observations");

        var started = DateTime.UtcNow;
        await Delivery.DeliverAsync(observations, [fixture.Cluster], parallelism: 32);
        output.WriteLine($"{observations.Count} observations of {plan.Jobs.Count} jobs delivered in {(DateTime.UtcNow - started).TotalSeconds:F1} s");

        await plan.AssertConvergedAsync(fixture.Users, ClusterFixture.Writes);
    }

    [Fact]
    public async Task Two_independent_clusters_racing_on_the_same_jobs_leave_one_correct_entry_each()
    {
        var plan = await JobPlan.CreateAsync(fixture.Users, jobs: 30, owners: 3, seed: 77);
        var second = await ClusterFixture.DeployAsync(fixture.Mongo.Url, silos: 1);
        try
        {
            var observations = JobPlan.Shuffle(plan.AllObservations.SelectMany(o => new[] { o, o }), new Random(5));
            await Delivery.DeliverAsync(observations, [fixture.Cluster, second], parallelism: 24);
        }
        finally
        {
            await second.StopAllSilosAsync();
            await second.DisposeAsync();
        }

        await plan.AssertConvergedAsync(fixture.Users, ClusterFixture.Writes);
    }

    [Fact]
    public async Task Two_activations_of_each_job_given_consecutive_observations_at_once_never_write_the_same_revision_twice()
    {
        // Each job has an activation in each cluster, and at every step the two get consecutive observations at the same
        // moment. The second cluster's database replies arrive 15 ms late, so its read is usually older than the first
        // cluster's write: only the revision guard keeps its write from landing on top (or behind).
        var plan = await JobPlan.CreateAsync(fixture.Users, jobs: 40, owners: 4, seed: 11);
        await using var faults = await Toxiproxy.StartAsync();
        var slow = await faults.AddProxyAsync("slow-replies", $"127.0.0.1:{fixture.Mongo.Proxy.Port}");
        await slow.AddLatencyAsync(15);
        var second = await ClusterFixture.DeployAsync(MongoWire.UrlForPort(slow.Port), silos: 1);
        try
        {
            await Parallel.ForEachAsync(plan.Jobs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (job, _) =>
            {
                var mine = fixture.Cluster.GrainFactory.GetGrain<IAgentJobGrain>(job.Uid);
                var theirs = second.GrainFactory.GetGrain<IAgentJobGrain>(job.Uid);
                // Steps of two: both observations are newer than anything persisted, so both activations have a write to make.
                for (var k = 0; k + 1 < job.Observations.Count; k += 2)
                {
                    var outcomes = await Task.WhenAll(mine.ObserveAsync(job.Observations[k]), theirs.ObserveAsync(job.Observations[k + 1]));
                    Assert.All(outcomes, o => Assert.True(o.IsInSync, $"{o.Reason}: {o.Message}"));
                }

                Assert.True((await theirs.ObserveAsync(job.Observations[^1])).IsInSync);
            });
        }
        finally
        {
            await second.StopAllSilosAsync();
            await second.DisposeAsync();
        }

        await plan.AssertConvergedAsync(fixture.Users, ClusterFixture.Writes);
    }
}
