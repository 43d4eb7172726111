using MongoDB.Bson;

namespace AgentJobSync.Grains.Storage;

/// <summary>The reads and conditional writes on a user's <c>jobs</c> array that <see cref="EntrySynchronizer"/> decides between.</summary>
public interface IUserJobsStore
{
    /// <summary>One fresh read of the owner's <c>jobs</c> from the primary.</summary>
    Task<UserDocumentRead> ReadAsync(string owner, string uid, CancellationToken cancellationToken);

    /// <summary>Appends the entry unless one with its id exists (and, when given, the array has exactly that length).</summary>
    Task<bool> InsertIfAbsentAsync(string owner, BsonDocument entry, int? expectedLength, CancellationToken cancellationToken);

    /// <summary>Whether the owner's id is known to name one document (a unique index on it exists).</summary>
    bool UserIdsUnique { get; }

    /// <summary>Appends the entry unless one with its id exists, without a read first; the owner's jobs after it, or null when nothing was appended.</summary>
    Task<JobsSnapshot?> AppendAsync(string owner, BsonDocument entry, CancellationToken cancellationToken);

    /// <summary>
    /// Sets fields of the element at <paramref name="index"/>, guarded by its id and by its revision being exactly as read;
    /// the owner's jobs after the write, or null when the guard missed.
    /// </summary>
    Task<JobsSnapshot?> UpdateEntryAsync(string owner, int index, string uid, EntryRevision revision, BsonDocument fields, CancellationToken cancellationToken);

    /// <summary>Reduces several elements with the job's id to the one at <paramref name="keep"/>, guarded by the whole array being as read.</summary>
    Task<bool> RemoveExtraCopiesAsync(string owner, JobsSnapshot snapshot, int keep, CancellationToken cancellationToken);
}
