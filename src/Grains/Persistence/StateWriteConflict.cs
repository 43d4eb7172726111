namespace AgentJobSync.Grains.Persistence;

/// <summary>
/// A batched write refused because the stored record did not have the ETag the write presented.
/// </summary>
/// <param name="StoredETag">The stored ETag when the batch read it ("none" when the record is gone), else null: unknown.</param>
/// <param name="Cause">The database's error behind the refusal (a duplicate key for an insert), if any.</param>
internal sealed record StateWriteConflict(string? StoredETag, Exception? Cause);
