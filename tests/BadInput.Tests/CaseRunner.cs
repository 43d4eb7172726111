using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;

namespace AgentJobSync.BadInput.Tests;

/// <summary>
/// Runs one <see cref="BadCase"/> beside a healthy job and asserts what bad input must leave: the reason as a Warning
/// Event regarding the job (or, for tolerated input, the entry synced and no Warning), a log line naming the job and
/// the reason, the reason's metric grown on the watch host and the silos, the healthy job still syncing, every other
/// part of the case's documents unchanged, and no write of ours to the AgentJob.
/// </summary>
internal sealed class CaseRunner(BadInputFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public async Task RunAsync(BadCase badCase)
    {
        var context = new CaseContext(fixture, badCase.Name);
        var healthyOwner = await context.InsertUserAsync(CaseContext.StandardUser(Guid.NewGuid().ToString()));
        var healthy = await fixture.Driver.CreateAsync(badCase.Name + "-healthy", healthyOwner);
        var reconcilesBefore = await fixture.WatchHost.MetricAsync("agentjob_reconciles_total", Label(badCase.Reason));
        var callsBefore = await SiloCallsAsync(badCase.Reason);

        var job = await badCase.Arrange(context);
        var before = await SnapshotAsync(context, job.Uid, healthy.Uid);
        if (badCase.Tolerated)
        {
            await context.UntilEntryAsync(context.Owner, job, job.ExpectedStatus);
        }
        else
        {
            await Eventually.UntilAsync(async _ => await Events.WarningsAsync(fixture, job, badCase.Reason) >= 1, Timeout, $"{badCase.Name}: a Warning Event {badCase.Reason} regarding the job");
        }

        await Eventually.UntilAsync(
            async _ => await fixture.WatchHost.MetricAsync("agentjob_reconciles_total", Label(badCase.Reason)) > reconcilesBefore
                && await SiloCallsAsync(badCase.Reason) > callsBefore,
            Timeout, $"{badCase.Name}: agentjob_reconciles_total and agentjob_grain_calls_total of {badCase.Reason} grew");
        if (badCase.Tolerated)
        {
            // Success is logged at Debug: tolerated input must leave no Warning Event and no "not in sync" line.
            Assert.Equal(0, await Events.WarningsAsync(fixture, job, null));
            Assert.False(Logged(job.Uid, "not in sync"), $"{badCase.Name}: a log line says {job.Uid} is not in sync");
        }
        else
        {
            Assert.True(Logged(job.Uid, badCase.Reason), $"{badCase.Name}: no log line with {job.Uid} and {badCase.Reason}");
        }

        Assert.True(await fixture.Driver.SetStateAsync(healthy, "executing"));
        await context.UntilEntryAsync(healthyOwner, healthy, "Executing");
        if (badCase.Check is not null)
        {
            await badCase.Check(context, job);
        }

        var after = await SnapshotAsync(context, job.Uid, healthy.Uid);
        foreach (var (owner, doc) in before)
        {
            Assert.Equal(doc, after[owner]);
        }

        Assert.Null(await Events.WrittenByOthersAsync(fixture, job));
        Assert.Equal(0, fixture.Driver.Conflicts);
    }

    private static string Label(string reason) => $"reason=\"{reason}\"";

    private async Task<double> SiloCallsAsync(string reason)
    {
        var sum = 0.0;
        foreach (var silo in fixture.Cluster.Silos)
        {
            sum += await Metrics.SumAsync(silo.HttpPort, "agentjob_grain_calls_total", Label(reason));
        }

        return sum;
    }

    private bool Logged(string uid, string reason) =>
        Directory.EnumerateFiles(fixture.Cluster.LogDirectory, "*.log").Any(file =>
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Contains(uid, StringComparison.Ordinal) && line.Contains(reason, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        });

    /// <summary>The case's documents without the job's own entries (and without a <c>jobs</c> that holds only them).</summary>
    private static async Task<Dictionary<string, BsonValue>> SnapshotAsync(CaseContext context, string uid, string healthyUid)
    {
        var result = new Dictionary<string, BsonValue>(StringComparer.Ordinal);
        foreach (var owner in context.Documents.Distinct())
        {
            var docs = await context.Users.Find(Builders<BsonDocument>.Filter.Eq("id", owner)).ToListAsync();
            var cleaned = new BsonArray();
            foreach (var doc in docs.Select(d => d.DeepClone().AsBsonDocument))
            {
                doc.Remove("_id");
                if (doc.TryGetValue("jobs", out var jobs) && jobs.IsBsonArray)
                {
                    var others = new BsonArray(jobs.AsBsonArray.Where(e => !(e.IsBsonDocument && (e.AsBsonDocument.GetValue("id", "") == uid || e.AsBsonDocument.GetValue("id", "") == healthyUid))));
                    // A jobs array the service created for its entry (it was missing) holds nothing else.
                    if (others.Count == 0)
                    {
                        doc.Remove("jobs");
                    }
                    else
                    {
                        doc["jobs"] = others;
                    }
                }

                cleaned.Add(doc);
            }

            result[owner] = cleaned;
        }

        return result;
    }
}
