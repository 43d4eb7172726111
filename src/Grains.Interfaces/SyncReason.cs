namespace AgentJobSync.Grains;

/// <summary>Why an observation ended the way it did. Names are stable: they appear in Events, logs and metrics.</summary>
[GenerateSerializer]
public enum SyncReason
{
    /// <summary>The entry matches the observation.</summary>
    Synced = 0,

    /// <summary>The observation was older than what is persisted, or a repeat; nothing to write.</summary>
    UpToDate = 1,

    /// <summary>The feature flag for the observed state is off: the entry was left untouched.</summary>
    FeatureDisabled = 2,

    /// <summary>The owner removed the entry from their document; it is never written again.</summary>
    EntryRemovedByOwner = 3,

    /// <summary>The job was deleted and its owner's document no longer exists (the user was removed): nothing is left to mark.</summary>
    UserRemoved = 4,

    /// <summary><c>spec.user</c> is empty or not a UUID.</summary>
    InvalidOwner = 10,

    /// <summary><c>status.state</c> is not a state this service knows.</summary>
    UnknownState = 11,

    /// <summary>No user document has <c>id == spec.user</c> (yet): retried slowly.</summary>
    UserNotFound = 12,

    /// <summary>
    /// The job's nodes do not fit (in an entry even without their outputs, or in the owner's document): the state is
    /// written without them when it fits. Not retried until the next change or resync, which tries the nodes again.
    /// </summary>
    EntryTooLarge = 13,

    /// <summary>The owner's document cannot hold the entry (e.g. <c>jobs</c> is not an array).</summary>
    UserDocumentInvalid = 14,

    /// <summary>The database refused the write for a reason that retrying cannot fix.</summary>
    DatabaseRejected = 15,

    /// <summary><c>spec.user</c> changed after the entry was created in the first owner's document.</summary>
    OwnerChanged = 16,

    /// <summary>The database could not be reached or timed out: retried with backoff.</summary>
    DatabaseUnavailable = 20,

    /// <summary>Persistence is not wired in this build: nothing was written.</summary>
    NotPersisted = 30,
}
