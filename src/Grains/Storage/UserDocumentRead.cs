namespace AgentJobSync.Grains.Storage;

/// <summary>The result of reading a job's place in its owner's document.</summary>
/// <param name="UserFound">Whether a document with <c>id == owner</c> exists.</param>
/// <param name="Snapshot">The owner's <c>jobs</c> as read (empty when the user was not found).</param>
/// <param name="DuplicateUserDocuments">Whether more than one document claims the owner's id.</param>
public sealed record UserDocumentRead(bool UserFound, JobsSnapshot Snapshot, bool DuplicateUserDocuments);
