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

    private readonly ConcurrentQueue<SentCommand> _sent = new();

    /// <summary>Every command the silos sent, in order sent, with its text (to count a job's commands by its id).</summary>
    public IReadOnlyList<SentCommand> Sent => [.. _sent];

    public void OnStarted(CommandStartedEvent e)
    {
        _sent.Enqueue(new SentCommand(e.CommandName, e.Command.ToJson()));
        if ((e.CommandName == "update" && e.Command.GetValue("update", BsonNull.Value) == "users")
            || (e.CommandName == "findAndModify" && e.Command.GetValue("findAndModify", BsonNull.Value) == "users"))
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
        if (!_pending.TryRemove(e.RequestId, out var command) || Modified(e.CommandName, e.Reply) == 0)
        {
            return;
        }

        var sequence = Interlocked.Increment(ref _sequence);
        // A findAndModify (the append that returns the array) is one update statement of the same shape.
        var updates = e.CommandName == "findAndModify"
            ? [new BsonDocument { { "q", command["query"] }, { "u", command["update"] } }]
            : command["updates"].AsBsonArray.Select(u => u.AsBsonDocument);
        foreach (var update in updates)
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

    // Documents an update command modified; for findAndModify, whether it returned a document.
    private static int Modified(string command, BsonDocument reply) => command == "findAndModify"
        ? (reply.GetValue("value", BsonNull.Value).IsBsonDocument ? 1 : 0)
        : reply.GetValue("nModified", 0).ToInt32();
}
