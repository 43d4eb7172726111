using AgentJobSync.Grains.Domain;
using AgentJobSync.Grains.Storage;
using MongoDB.Bson;

namespace AgentJobSync.Grains;

/// <summary>
/// The job's entry as this activation last read or wrote it: in whose document, at which index, with what content
/// (its revision included). Deciding from it saves the read before a write: the write's own guard (our id at that index,
/// that revision) proves the entry is still exactly this, and a miss falls back to a fresh read. Never used to conclude
/// anything about the document (removal is concluded only from a fresh read). A copy of the entry that another writer
/// added since, such as the previous operator during a migration, shows in the document the write returns and is
/// reduced to one there.
/// </summary>
/// <param name="Owner">The user whose document holds the entry.</param>
/// <param name="Index">The entry's position in that user's <c>jobs</c>.</param>
/// <param name="Entry">The entry; without its <c>nodes</c> when <see cref="Remembered"/>.</param>
/// <param name="NodesDigest">
/// The <see cref="Domain.NodesDigest"/> of the observed nodes whose merge the entry's nodes are (merging them again
/// changes nothing); null when not known (nodes left out for size, or the entry was read, not written).
/// </param>
/// <param name="Remembered">
/// Rebuilt from the grain's saved bookkeeping, not read: it has the state and revision of this service's last write but
/// no nodes, so it decides only observations whose nodes digest is <see cref="NodesDigest"/>.
/// </param>
public sealed record KnownEntry(string Owner, int Index, BsonDocument Entry, string? NodesDigest = null, bool Remembered = false)
{
    /// <summary>
    /// The entry as this service's last write left it, from the bookkeeping saved with it: its id, state, revision and
    /// (when the job was deleted) deletion mark.
    /// </summary>
    public static KnownEntry Remember(string owner, int index, string uid, JobState state, long revision, bool deleted, string nodesDigest)
    {
        var entry = new BsonDocument
        {
            { JobEntryFields.Id, uid },
            { JobEntryFields.Status, JobStates.Name(state) },
            { JobEntryFields.Revision, new BsonInt64(revision) },
        };
        if (deleted)
        {
            entry[JobEntryFields.DeletedTime] = BsonNull.Value;
        }

        return new KnownEntry(owner, index, entry, nodesDigest, Remembered: true);
    }
}
