using AgentJobSync.Grains.Domain;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Grains.Tests;

/// <summary>One job of a <see cref="JobPlan"/>: its observations in the order the platform produced them.</summary>
public sealed record PlannedJob(string Uid, string Owner, JobState Final, int LastStep, IReadOnlyList<JobObservation> Observations);

/// <summary>
/// Jobs for fresh users, each on a random forward path (skips allowed) in random spellings, and the check that the
/// documents and the write log show each job converged: one entry, in its final state, with its newest nodes, inserted
/// once and then only moved forward.
/// </summary>
public sealed class JobPlan
{
    private static readonly string[][] Spellings =
    [
        ["", "new", "New"], ["inactive", "Pending", "PENDING"], ["executing", "running", "Executing"],
        ["completed", "Complete", "succeeded"], ["error", "Error", "failed"],
    ];

    private JobPlan(IReadOnlyList<PlannedJob> jobs) => Jobs = jobs;

    public IReadOnlyList<PlannedJob> Jobs { get; }

    public IEnumerable<JobObservation> AllObservations => Jobs.SelectMany(j => j.Observations);

    public static async Task<JobPlan> CreateAsync(IMongoCollection<BsonDocument> users, int jobs, int owners, int seed)
    {
        var random = new Random(seed);
        var ids = new List<string>();
        for (var u = 0; u < owners; u++)
        {
            ids.Add(await AgentJobSync.Grains.Tests.Jobs.CreateUserAsync(users));
        }

        var plan = new List<PlannedJob>();
        for (var j = 0; j < jobs; j++)
        {
            var uid = Guid.NewGuid().ToString();
            var owner = ids[j % owners];
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

            // FirstSight is a hint about cost only: any observation may carry it, right or wrong, and the result is the same.
            var observations = path.Select((state, step) =>
                AgentJobSync.Grains.Tests.Jobs.Observe(uid, owner, Spellings[(int)state][random.Next(3)], step) with { FirstSight = random.Next(2) == 0 }).ToList();
            plan.Add(new PlannedJob(uid, owner, path[^1], path.Count - 1, observations));
        }

        return new JobPlan(plan);
    }

    public static List<T> Shuffle<T>(IEnumerable<T> items, Random random) => [.. items.OrderBy(_ => random.Next())];

    /// <summary>Asserts every job but <paramref name="removed"/> converged; removed ones have no entry.</summary>
    public async Task AssertConvergedAsync(IMongoCollection<BsonDocument> users, WriteLog writeLog, IReadOnlySet<string>? removed = null)
    {
        Assert.Empty(writeLog.Errors);
        var writes = writeLog.Applied.ToLookup(w => w.Uid);
        foreach (var owner in Jobs.Select(j => j.Owner).Distinct())
        {
            var user = await AgentJobSync.Grains.Tests.Jobs.UserAsync(users, owner);
            foreach (var job in Jobs.Where(j => j.Owner == owner))
            {
                var log = writes[job.Uid].OrderBy(w => w.Sequence).ToList();
                Assert.Single(log, w => w.Inserted);
                Assert.True(log[0].Inserted, $"{job.Uid}: first write was not the insert");
                Assert.Equal(Enumerable.Range(1, log.Count).Select(r => (long)r), log.Select(w => w.Revision));
                var states = log.Where(w => w.Status is not null).Select(w => Enum.Parse<JobState>(w.Status!)).ToList();
                Assert.True(states.Zip(states.Skip(1)).All(p => p.First < p.Second), $"{job.Uid}: backward or repeated state write: {string.Join(",", states)}");
                if (removed?.Contains(job.Uid) == true)
                {
                    Assert.Empty(AgentJobSync.Grains.Tests.Jobs.Entries(user, job.Uid));
                    continue;
                }

                var entry = Assert.Single(AgentJobSync.Grains.Tests.Jobs.Entries(user, job.Uid));
                Assert.Equal(JobStates.Name(job.Final), entry["status"].AsString);
                Assert.Equal($"step-{job.LastStep}", entry["nodes"][0]["status"].AsString);
                Assert.Equal(entry["sync_rev"].ToInt64(), log[^1].Revision);
            }
        }
    }
}
