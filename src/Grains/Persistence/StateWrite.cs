using MongoDB.Bson;

namespace AgentJobSync.Grains.Persistence;

/// <summary>
/// One grain's save waiting for <see cref="StateWriteBatcher"/>: the document to store, the ETag it must find (none: the
/// record must not exist) and the new ETag the document carries, which tells afterwards whether this write is the one
/// stored. Its task ends with <c>null</c> when written, a <see cref="StateWriteConflict"/> when the ETag did not match,
/// or the database's error.
/// </summary>
internal sealed class StateWrite(string id, string? expectedETag, string newETag, BsonDocument document)
{
    public string Id { get; } = id;

    public string? ExpectedETag { get; } = expectedETag;

    public string NewETag { get; } = newETag;

    public BsonDocument Document { get; } = document;

    // Completed on the batcher's loop; the callers are grains, whose continuations must run on their own scheduler.
    public TaskCompletionSource<StateWriteConflict?> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
