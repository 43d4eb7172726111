using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Bench;

/// <summary>
/// The physical limits of the path, measured the plain way: a driver loop doing the pipeline's own per-element update,
/// and a client loop doing the job operator's status update. The pipeline's rate is compared with the smaller one.
/// </summary>
internal static class RawRates
{
    /// <summary>
    /// Updates per second of one job element (<c>$set</c> of status and revision, guarded by id and revision, majority
    /// write concern: the grain's write) by <paramref name="writers"/> concurrent writers on users of their own, each
    /// document holding <paramref name="entriesPerUser"/> entries like the pipeline's (FerretDB rewrites the whole
    /// document on every update, so the document's size is part of the limit).
    /// </summary>
    public static async Task<double> DatabaseUpdatesPerSecondAsync(IMongoClient client, int writers, TimeSpan duration, int entriesPerUser)
    {
        var users = client.GetDatabase("bench_raw").GetCollection<BsonDocument>("users").WithWriteConcern(WriteConcern.WMajority);
        var owners = Enumerable.Range(0, writers).Select(_ => Guid.NewGuid().ToString()).ToList();
        foreach (var owner in owners)
        {
            var jobs = new BsonArray { new BsonDocument { { "id", "job-" + owner }, { "status", "New" }, { "sync_rev", 1L } } };
            for (var i = 1; i < entriesPerUser; i++)
            {
                jobs.Add(new BsonDocument
                {
                    { "id", Guid.NewGuid().ToString() }, { "job_type", "AgentJob" }, { "status", "Complete" }, { "sync_rev", 4L },
                    { "name", "bench job" }, { "agent_id", "bench" }, { "created_time", DateTime.UtcNow }, { "last_active", DateTime.UtcNow },
                    { "nodes", new BsonArray { new BsonDocument { { "alias", "fetch" }, { "status", "done" }, { "lastUpdated", "2025-01-01T00:00:00Z" } } } },
                });
            }

            await users.InsertOneAsync(new BsonDocument { { "id", owner }, { "jobs", jobs } });
        }

        var until = Stopwatch.StartNew();
        var counts = await Task.WhenAll(owners.Select(async owner =>
        {
            long revision = 1;
            var done = 0;
            while (until.Elapsed < duration)
            {
                var filter = new BsonDocument { { "id", owner }, { "jobs.0.id", "job-" + owner }, { "jobs.0.sync_rev", revision } };
                var set = new BsonDocument("$set", new BsonDocument { { "jobs.0.status", revision % 2 == 0 ? "Pending" : "Executing" }, { "jobs.0.sync_rev", revision + 1 } });
                var result = await users.UpdateOneAsync(filter, set);
                if (result.ModifiedCount != 1)
                {
                    throw new InvalidOperationException($"raw update of {owner} at revision {revision} missed");
                }

                revision++;
                done++;
            }

            return done;
        }));
        return counts.Sum() / until.Elapsed.TotalSeconds;
    }

    /// <summary>Status updates per second of AgentJobs by <paramref name="writers"/> concurrent writers (merge patches of <c>status</c>).</summary>
    public static async Task<double> StatusUpdatesPerSecondAsync(IKubernetes kube, string ns, int writers, TimeSpan duration)
    {
        var names = new List<string>();
        for (var i = 0; i < writers; i++)
        {
            var name = $"raw-{i}-{Guid.NewGuid():N}"[..20];
            await BenchJobs.CreateAsync(kube, ns, name, Guid.NewGuid().ToString());
            names.Add(name);
        }

        var until = Stopwatch.StartNew();
        var counts = await Task.WhenAll(names.Select(async name =>
        {
            var done = 0;
            while (until.Elapsed < duration)
            {
                var patch = new JsonObject { ["status"] = new JsonObject { ["state"] = done % 2 == 0 ? "inactive" : "executing", ["message"] = $"raw {done}" } };
                await kube.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(
                    new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), BenchJobs.Group, BenchJobs.Version, ns, BenchJobs.Plural, name);
                done++;
            }

            return done;
        }));
        return counts.Sum() / until.Elapsed.TotalSeconds;
    }
}
