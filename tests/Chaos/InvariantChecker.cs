using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Chaos;

/// <summary>
/// Judges a converged run: every job (except those its owner removed) has exactly one entry, in its owner's document,
/// with the resource's final state (a deleted job's entry: the state it was deleted in, and <c>deleted_time</c>); no entry ever went backwards or was seen twice; removed entries never came back;
/// the managers' entries, devices and credits are what they left; the job operator's writes never conflicted and no
/// field manager of ours is on an AgentJob.
/// </summary>
internal sealed class InvariantChecker(ChaosSystem system, Ledger ledger, DocumentRecorder recorder)
{
    public async Task CheckAsync(RunResult result, CancellationToken cancellationToken)
    {
        var docs = await system.Users.Collection.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(cancellationToken);
        var byOwner = docs.ToDictionary(d => d["id"].AsString, StringComparer.Ordinal);
        CheckJobs(result, docs);
        CheckManagers(result, byOwner);
        result.Duplicated.AddRange(recorder.Duplicates.Values.Select(v => "during the run: " + v));
        result.Regressed.AddRange(recorder.Backward.Values.Select(v => "backward write: " + v));
        result.Clobbered.AddRange(recorder.Resurrected.Values.Select(v => "removed entry resurrected: " + v));
        await CheckOperatorAsync(result, cancellationToken);
    }

    private void CheckJobs(RunResult result, List<BsonDocument> docs)
    {
        foreach (var job in ledger.Jobs)
        {
            var found = docs
                .SelectMany(d => Jobs(d).Select(e => (Owner: d["id"].AsString, Entry: e)))
                .Where(x => x.Entry.GetValue("id", "") == job.Uid)
                .ToList();
            if (ledger.Removed.ContainsKey(job.Uid))
            {
                if (found.Count > 0)
                {
                    result.Clobbered.Add($"{job.Name}: removed by its owner but has {found.Count} entries");
                }

                continue;
            }

            var status = found.Count == 1 ? UserDocuments.Status(found[0].Entry) : null;
            switch (found.Count)
            {
                case 0:
                    result.Lost.Add($"{job.Name} ({job.Uid}): no entry (resource state '{job.State}')");
                    break;
                case > 1:
                    result.Duplicated.Add($"{job.Name}: {found.Count} entries");
                    break;
                default:
                    if (found[0].Owner != job.Owner)
                    {
                        result.Lost.Add($"{job.Name}: entry in {found[0].Owner}'s document, owner is {job.Owner}");
                    }
                    else if (ledger.Deleted.TryGetValue(job.Uid, out var final))
                    {
                        if (status != final || !UserDocuments.IsDeleted(found[0].Entry))
                        {
                            result.Lost.Add($"{job.Name}: deleted at {final}, its entry shows {status}{(UserDocuments.IsDeleted(found[0].Entry) ? "" : " without deleted_time")} (seen {string.Join(" -> ", recorder.Sequence(job.Uid))})");
                        }
                    }
                    else if (status != job.ExpectedStatus)
                    {
                        result.Regressed.Add($"{job.Name}: entry {status}, resource {job.ExpectedStatus} (seen {string.Join(" -> ", recorder.Sequence(job.Uid))})");
                    }

                    break;
            }
        }
    }

    private void CheckManagers(RunResult result, Dictionary<string, BsonDocument> byOwner)
    {
        foreach (var (owner, expected) in ledger.Managers)
        {
            if (expected.Uncertain)
            {
                continue;
            }

            var doc = byOwner[owner];
            var entries = Jobs(doc).Where(e => e.GetValue("id", "").ToString()!.StartsWith("manager-", StringComparison.Ordinal)).ToList();
            var devices = doc.GetValue("compute_devices", new BsonArray()).AsBsonArray.OfType<BsonDocument>().ToList();
            if (!SameElements(entries, expected.Entries))
            {
                result.Clobbered.Add($"{owner}: manager entries [{Ids(entries, "id")}], the manager left [{Ids(expected.Entries, "id")}]");
            }

            if (!SameElements(devices, expected.Devices))
            {
                result.Clobbered.Add($"{owner}: devices [{Ids(devices, "device_id")}], the manager left [{Ids(expected.Devices, "device_id")}]");
            }

            if (doc.GetValue("compute_credits", BsonNull.Value) != expected.Credits)
            {
                result.Clobbered.Add($"{owner}: compute_credits {doc.GetValue("compute_credits", BsonNull.Value)}, the manager set {expected.Credits}");
            }
        }
    }

    private async Task CheckOperatorAsync(RunResult result, CancellationToken cancellationToken)
    {
        if (system.Driver.Conflicts > 0)
        {
            result.OperatorConflicts.Add($"the job operator's status writes conflicted {system.Driver.Conflicts} times");
        }

        foreach (var job in ledger.Jobs.Where(j => !ledger.Deleted.ContainsKey(j.Uid)))
        {
            var now = await system.Driver.GetAsync(job, cancellationToken);
            var managers = now["metadata"]!["managedFields"]?.AsArray().Select(m => m!["manager"]?.GetValue<string>() ?? "") ?? [];
            var ours = managers.Where(m => m.Contains("agentjob-sync", StringComparison.OrdinalIgnoreCase) || m.Contains("WatchHost", StringComparison.OrdinalIgnoreCase) || m.Contains("Silo", StringComparison.OrdinalIgnoreCase)).ToList();
            if (ours.Count > 0)
            {
                result.OperatorConflicts.Add($"{job.Name}: field managers {string.Join(",", ours)}");
            }
        }
    }

    private static IEnumerable<BsonDocument> Jobs(BsonDocument doc) =>
        doc.TryGetValue("jobs", out var jobs) && jobs.IsBsonArray ? jobs.AsBsonArray.OfType<BsonDocument>() : [];

    private static bool SameElements(List<BsonDocument> actual, List<BsonDocument> expected) =>
        actual.Count == expected.Count && actual.Order(Comparer<BsonDocument>.Default).SequenceEqual(expected.Order(Comparer<BsonDocument>.Default));

    private static string Ids(IEnumerable<BsonDocument> docs, string field) => string.Join(",", docs.Select(d => d.GetValue(field, "").ToString()));
}
