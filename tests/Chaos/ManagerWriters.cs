using System.Globalization;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Chaos;

/// <summary>
/// The other services writing the same user documents: the manager <c>$push</c>es and <c>$pull</c>s its own job entries
/// and devices (the exact element: FerretDB v1's <c>$pull</c> only removes equal values) and <c>$set</c>s
/// <c>compute_credits</c>. One write at a time; each acknowledged write updates the expectation.
/// </summary>
internal sealed class ManagerWriters(IMongoCollection<BsonDocument> users, Ledger ledger, Random random)
{
    private int serial;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var owner = ledger.Owners[random.Next(ledger.Owners.Count)];
            var expected = ledger.Managers[owner];
            var (update, apply) = Next(expected);
            try
            {
                await users.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("id", owner), update, cancellationToken: cancellationToken);
                apply();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                expected.Uncertain = true;
                return;
            }
            catch (MongoException)
            {
                expected.Uncertain = true;
            }

            await Task.Delay(random.Next(20, 80), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private (UpdateDefinition<BsonDocument> Update, Action Apply) Next(ManagerExpectation expected)
    {
        var n = Interlocked.Increment(ref serial).ToString(CultureInfo.InvariantCulture);
        var update = Builders<BsonDocument>.Update;
        switch (random.Next(5))
        {
            case 0 when expected.Entries.Count > 0:
                var entry = expected.Entries[random.Next(expected.Entries.Count)];
                return (update.Pull("jobs", entry), () => expected.Entries.Remove(entry));
            case 1 when expected.Devices.Count > 0:
                var device = expected.Devices[random.Next(expected.Devices.Count)];
                return (update.Pull("compute_devices", device), () => expected.Devices.Remove(device));
            case 0 or 1:
                var added = new BsonDocument { { "id", "manager-" + n }, { "job_name", "manual " + n }, { "job_type", "Workflow" }, { "status", "Complete" } };
                return (update.Push("jobs", added), () => expected.Entries.Add(added));
            case 2:
                var newDevice = new BsonDocument { { "device_id", "gpu-" + n }, { "kind", "a100" } };
                return (update.Push("compute_devices", newDevice), () => expected.Devices.Add(newDevice));
            default:
                var credits = random.Next(0, 100_000);
                return (update.Set("compute_credits", credits), () => expected.Credits = credits);
        }
    }
}
