using AgentJobSync.Grains;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Chaos;

/// <summary>
/// The owner deleting a few of their jobs in the front end mid-run: the exact entry element is pulled (retried until the
/// pull matched, as the grain may update the element in between). Only entries whose creation the grain has recorded are
/// removed: an owner removing an entry inside the crash window between the entry's insert and the grain's bookkeeping
/// save is the one case the design documents as not closable without a tombstone.
/// </summary>
internal sealed class OwnerRemover(ChaosSystem system, Ledger ledger, Random random, int removals, TimeSpan length)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var pause = length / (removals + 2);
        for (var i = 0; i < removals && !cancellationToken.IsCancellationRequested; i++)
        {
            await Task.Delay(pause, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                await RemoveOneAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed removal (a silo killed under the inspection call) is simply not made.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    private async Task RemoveOneAsync(CancellationToken cancellationToken)
    {
        var candidates = ledger.Jobs.Where(j => !ledger.Removed.ContainsKey(j.Uid)).OrderBy(j => j.Name, StringComparer.Ordinal).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var job = candidates[random.Next(candidates.Count)];
        var inspection = await system.Grains.GetGrain<IAgentJobGrain>(job.Uid).InspectAsync().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        if (!inspection.EntryCreated)
        {
            return;
        }

        var users = system.Users.Collection;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var doc = await users.Find(Builders<BsonDocument>.Filter.Eq("id", job.Owner)).FirstOrDefaultAsync(cancellationToken);
            var entry = doc?["jobs"].AsBsonArray.OfType<BsonDocument>().FirstOrDefault(e => e.GetValue("id", "") == job.Uid);
            if (entry is null)
            {
                return;
            }

            var result = await users.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("id", job.Owner), Builders<BsonDocument>.Update.Pull("jobs", entry), cancellationToken: cancellationToken);
            if (result.ModifiedCount == 1)
            {
                ledger.Removed[job.Uid] = DateTimeOffset.UtcNow;
                return;
            }
        }
    }
}
