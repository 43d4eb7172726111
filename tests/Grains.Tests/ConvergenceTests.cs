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
}
