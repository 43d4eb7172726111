using System.Collections.Concurrent;
using AgentJobSync.Grains.Domain;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// Many jobs, observations shuffled and duplicated, delivered concurrently: every job ends with exactly one entry in its
/// final state with its newest nodes, and the write log never shows a job's entry moving back or being inserted twice.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ConvergenceTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly string[][] Spellings =
    [
        ["", "new", "New"], ["inactive", "Pending", "PENDING"], ["executing", "running", "Executing"],
        ["completed", "Complete", "succeeded"], ["error", "Error", "failed"],
    ];

    [Fact]
    public async Task Shuffled_duplicated_concurrent_observations_of_150_jobs_converge_without_a_backward_write()
    {
        var plan = await PlanAsync(jobs: 150, users: 5, seed: 1234);
        var observations = Shuffle(plan.SelectMany(j => j.Observations).SelectMany(o => Enumerable.Repeat(o, 5)), new Random(99));
        Assert.True(observations.Count >= 2000, $"only {observations.Count} observations");

        var started = DateTime.UtcNow;
        await DeliverAsync(observations, [fixture.Cluster], parallelism: 32);
        output.WriteLine($"{observations.Count} observations of {plan.Count} jobs delivered in {(DateTime.UtcNow - started).TotalSeconds:F1} s");

        await AssertConvergedAsync(plan);
    }

    [Fact]
    public async Task Two_independent_clusters_racing_on_the_same_jobs_leave_one_correct_entry_each()
    {
        var plan = await PlanAsync(jobs: 30, users: 3, seed: 77);
        var second = await ClusterFixture.DeployAsync(fixture.Mongo.Url, silos: 1);
        try
        {
            var observations = Shuffle(plan.SelectMany(j => j.Observations).SelectMany(o => new[] { o, o }), new Random(5));
            await DeliverAsync(observations, [fixture.Cluster, second], parallelism: 24);
        }
        finally
        {
            await second.StopAllSilosAsync();
            await second.DisposeAsync();
        }

        await AssertConvergedAsync(plan);
    }

    internal sealed record PlannedJob(string Uid, string Owner, JobState Final, int LastStep, List<JobObservation> Observations);

    private async Task<List<PlannedJob>> PlanAsync(int jobs, int users, int seed)
    {
        var random = new Random(seed);
        var owners = new List<string>();
        for (var u = 0; u < users; u++)
        {
            owners.Add(await Jobs.CreateUserAsync(fixture.Users));
        }

        var plan = new List<PlannedJob>();
        for (var j = 0; j < jobs; j++)
        {
            var uid = Guid.NewGuid().ToString();
            var owner = owners[j % users];
            // A random forward path with skips, ending in Complete, Error or still running.
            var path = new List<JobState> { JobState.New };
            foreach (var state in new[] { JobState.Pending, JobState.Executing })
            {
                if (random.Next(3) > 0)
                {
                    path.Add(state);
                }
            }

            var end = random.Next(3);
            if (end < 2)
            {
                path.Add(end == 0 ? JobState.Complete : JobState.Error);
            }

            var observations = path.Select((state, step) =>
                Jobs.Observe(uid, owner, Spellings[(int)state][random.Next(3)], step)).ToList();
            plan.Add(new PlannedJob(uid, owner, path[^1], path.Count - 1, observations));
        }

        return plan;
    }

    private static async Task DeliverAsync(IReadOnlyList<JobObservation> observations, IReadOnlyList<TestCluster> clusters, int parallelism)
    {
        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(observations.Select((o, i) => (o, i)), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (item, _) =>
        {
            var grain = clusters[item.i % clusters.Count].GrainFactory.GetGrain<IAgentJobGrain>(item.o.Uid);
            var outcome = await grain.ObserveAsync(item.o);

            // A transient outcome is redelivered, as the watch host's work queue does.
            for (var retry = 0; outcome.IsTransient && retry < 20; retry++)
            {
                outcome = await grain.ObserveAsync(item.o);
            }

            if (!outcome.IsInSync)
            {
                failures.Add($"{outcome.Reason} {outcome.Message}");
            }
        });
        Assert.Empty(failures);
    }

    private async Task AssertConvergedAsync(List<PlannedJob> plan)
    {
        var writes = ClusterFixture.Writes.Applied.ToLookup(w => w.Uid);
        foreach (var owner in plan.Select(j => j.Owner).Distinct())
        {
            var user = await Jobs.UserAsync(fixture.Users, owner);
            foreach (var job in plan.Where(j => j.Owner == owner))
            {
                var entry = Assert.Single(Jobs.Entries(user, job.Uid));
                Assert.Equal(JobStates.Name(job.Final), entry["status"].AsString);
                Assert.Equal($"step-{job.LastStep}", entry["nodes"][0]["status"].AsString);

                var log = writes[job.Uid].OrderBy(w => w.Sequence).ToList();
                Assert.Single(log, w => w.Inserted);
                Assert.True(log[0].Inserted, $"{job.Uid}: first write was not the insert");
                Assert.Equal(Enumerable.Range(1, log.Count).Select(r => (long)r), log.Select(w => w.Revision));
                var states = log.Where(w => w.Status is not null).Select(w => Enum.Parse<JobState>(w.Status!)).ToList();
                Assert.True(states.Zip(states.Skip(1)).All(p => p.First < p.Second), $"{job.Uid}: backward or repeated state write: {string.Join(",", states)}");
                Assert.Equal(entry["sync_rev"].ToInt64(), log[^1].Revision);
            }
        }
    }

    private static List<T> Shuffle<T>(IEnumerable<T> items, Random random) => [.. items.OrderBy(_ => random.Next())];
}
