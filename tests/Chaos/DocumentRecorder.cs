using System.Collections.Concurrent;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Chaos;

/// <summary>
/// Polls the user documents during the run and records, per job entry, the sequence of states it showed. From that it
/// reports backward writes (a state behind one seen before), moments with two entries of one job, and entries that
/// reappeared after their owner removed them. It also tells when each entry was first seen.
/// </summary>
internal sealed class DocumentRecorder(IMongoCollection<BsonDocument> users, Ledger ledger)
{
    private static readonly string[] Order = ["New", "Pending", "Executing", "Complete", "Error"];

    private readonly ConcurrentDictionary<string, List<string>> sequences = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> firstSeen = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, string> Backward { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, string> Duplicates { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, string> Resurrected { get; } = new(StringComparer.Ordinal);

    public int Polls { get; private set; }

    /// <summary>When the entry of <paramref name="uid"/> was first seen, if it was.</summary>
    public DateTimeOffset? FirstSeen(string uid) => firstSeen.TryGetValue(uid, out var at) ? at : null;

    /// <summary>The state the entry of <paramref name="uid"/> showed last, or null.</summary>
    public string? LastStatus(string uid)
    {
        if (!sequences.TryGetValue(uid, out var s))
        {
            return null;
        }

        lock (s)
        {
            return s.Count > 0 ? s[^1] : null;
        }
    }

    /// <summary>The states the entry of <paramref name="uid"/> showed, in order.</summary>
    public IReadOnlyList<string> Sequence(string uid) => sequences.TryGetValue(uid, out var s) ? s : [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (MongoException)
            {
                // a missed sample
            }

            await Task.Delay(150, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var docs = await users.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(cancellationToken);
        Polls++;
        foreach (var doc in docs)
        {
            if (!doc.TryGetValue("jobs", out var jobs) || !jobs.IsBsonArray)
            {
                continue;
            }

            var here = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in jobs.AsBsonArray.OfType<BsonDocument>())
            {
                if (!entry.TryGetValue("id", out var idValue) || !idValue.IsString || idValue.AsString.StartsWith("manager-", StringComparison.Ordinal))
                {
                    continue;
                }

                var uid = idValue.AsString;
                here[uid] = here.GetValueOrDefault(uid) + 1;
                firstSeen.TryAdd(uid, startedAt);
                Record(uid, entry.GetValue("status", BsonNull.Value).ToString() ?? "");
                if (ledger.Removed.TryGetValue(uid, out var removedAt) && startedAt > removedAt)
                {
                    Resurrected.TryAdd(uid, $"{uid} reappeared at {startedAt:HH:mm:ss.fff} after its owner removed it at {removedAt:HH:mm:ss.fff}");
                }
            }

            foreach (var (uid, count) in here.Where(h => h.Value > 1))
            {
                Duplicates.TryAdd(uid, $"{uid} had {count} entries at {startedAt:HH:mm:ss.fff}");
            }
        }
    }

    private void Record(string uid, string status)
    {
        var sequence = sequences.GetOrAdd(uid, _ => []);
        lock (sequence)
        {
            RecordLocked(uid, sequence, status);
        }
    }

    private void RecordLocked(string uid, List<string> sequence, string status)
    {
        if (sequence.Count > 0 && sequence[^1] == status)
        {
            return;
        }

        var rank = Array.IndexOf(Order, status);
        var previous = sequence.Select(s => Array.IndexOf(Order, s)).DefaultIfEmpty(-1).Max();
        var terminalBefore = sequence.Any(s => s is "Complete" or "Error");
        sequence.Add(status);
        if (rank < 0 || rank < previous || terminalBefore)
        {
            Backward.TryAdd(uid, $"{uid} went {string.Join(" -> ", sequence)}");
        }
    }
}
