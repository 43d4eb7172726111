namespace AgentJobSync.Grains;

/// <summary>
/// What the grain's bookkeeping knows about its job's entry, as <see cref="EntrySynchronizer"/> consults it between the
/// steps of one sync: the document the entry belongs to, whether it was created there, and a durable claim before an
/// insert, so that neither a stale duplicate activation nor an edited <c>spec.user</c> ever inserts a second entry or
/// one the owner removed.
/// </summary>
public interface IEntryBookkeeping
{
    /// <summary>The user whose document holds (or was claimed to receive) the entry; null until a first insert is claimed.</summary>
    string? Owner { get; }

    /// <summary>Whether the entry is known to have existed in <see cref="Owner"/>'s document (its absence then means the owner removed it).</summary>
    bool EntryCreated { get; }

    /// <summary>
    /// Makes durable, just before an insert into <paramref name="owner"/>'s document, that the entry goes there; the save
    /// is guarded against any other activation's save in between. False when that guard found another activation's
    /// bookkeeping (now merged in): the caller reads the document again and decides from what is known now.
    /// </summary>
    Task<bool> ClaimInsertAsync(string owner, CancellationToken cancellationToken);
}
