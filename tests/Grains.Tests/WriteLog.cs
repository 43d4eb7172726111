using System.Collections.Concurrent;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver.Core.Events;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// Every update the silos' MongoDB clients sent to the user documents and the server acknowledged as applied, in the
/// order the server answered (the wire proxy serializes them), read from the driver's command events: an independent
/// record of what the grains wrote, to catch a backward or duplicate write that the final documents would hide.
/// </summary>
public sealed class WriteLog
{
    private readonly ConcurrentDictionary<int, BsonDocument> _pending = new();
    private readonly ConcurrentQueue<AppliedWrite> _applied = new();
    private long _sequence;

    private readonly ConcurrentQueue<string> _errors = new();

    public IReadOnlyList<AppliedWrite> Applied => [.. _applied.OrderBy(w => w.Sequence)];

    /// <summary>Commands the log could not read (a handler must never throw inside the driver); asserted empty.</summary>
    public IReadOnlyCollection<string> Errors => _errors;

    public void OnStarted(CommandStartedEvent e)
    {
        if (e.CommandName == "update" && e.Command.GetValue("update", BsonNull.Value) == "users")
        {
            // The event's document is the driver's pooled buffer: copy it before the event returns.
            _pending[e.RequestId] = BsonSerializer.Deserialize<BsonDocument>(e.Command.ToBson());
        }
    }

    public void OnSucceeded(CommandSucceededEvent e)
    {
        try
        {
            Record(e);
        }
        catch (Exception error) when (error is KeyNotFoundException or InvalidCastException or InvalidOperationException)
        {
            _errors.Enqueue($"{e.CommandName} {e.RequestId}: {error.Message}");
        }
    }

    private void Record(CommandSucceededEvent e)
    {
        if (!_pending.TryRemove(e.RequestId, out var command) || e.Reply.GetValue("nModified", 0).ToInt32() == 0)
        {
            return;
        }

        var sequence = Interlocked.Increment(ref _sequence);
        foreach (var update in command["updates"].AsBsonArray.Select(u => u.AsBsonDocument))
        {
            var owner = update["q"]["id"].AsString;
            var u = update["u"].AsBsonDocument;
            if (u.TryGetValue("$push", out var push) && push["jobs"] is BsonDocument pushed)
            {
                _applied.Enqueue(new AppliedWrite(sequence, owner, pushed["id"].AsString, pushed.GetValue("status", BsonNull.Value).ToString()!, pushed.GetValue("sync_rev", 0).ToInt64(), Inserted: true));
            }
            else if (u.TryGetValue("$set", out var set))
            {
                var element = set.AsBsonDocument.Names.FirstOrDefault(n => n.StartsWith("jobs.", StringComparison.Ordinal) && n.EndsWith(".sync_rev", StringComparison.Ordinal));
                if (element is null)
                {
                    continue;
                }

                var prefix = element[..^".sync_rev".Length];
                var uid = update["q"][prefix + ".id"].AsString;
                var status = set.AsBsonDocument.GetValue(prefix + ".status", BsonNull.Value) is { IsString: true } s ? s.AsString : null;
                _applied.Enqueue(new AppliedWrite(sequence, owner, uid, status, set[element].ToInt64(), Inserted: false));
            }
        }
    }
}
