using System.Collections.Concurrent;
using MongoDB.Bson;
using MongoDB.Driver.Core.Events;

namespace AgentJobSync.Storage.Tests;

/// <summary>
/// The <c>insert</c> and <c>update</c> commands a client sent to one database, read from the driver's command events,
/// each with the <c>_id</c>s it wrote: how many commands a set of writes cost, and which writes shared one.
/// </summary>
internal sealed class WriteCommandLog(string database)
{
    private readonly ConcurrentQueue<WriteCommand> _commands = new();
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<WriteCommand> Commands => [.. _commands];

    /// <summary>Completes when the first write command is sent: from then on it is in flight.</summary>
    public Task FirstSent => _first.Task;

    public int Count(string name) => _commands.Count(c => c.Name == name);

    public void OnStarted(CommandStartedEvent e)
    {
        if (e.DatabaseNamespace?.DatabaseName != database)
        {
            return;
        }

        // Read inside the handler: the event's document is the driver's buffer.
        IReadOnlyList<string>? ids = e.CommandName switch
        {
            "insert" => [.. e.Command["documents"].AsBsonArray.Select(d => d["_id"].AsString)],
            "update" => [.. e.Command["updates"].AsBsonArray.Select(u => u["q"]["_id"].AsString)],
            _ => null,
        };
        if (ids is not null)
        {
            _commands.Enqueue(new WriteCommand(e.CommandName, ids));
            _first.TrySetResult();
        }
    }
}
