namespace AgentJobSync.Grains.Tests;

/// <summary>One acknowledged write of a job's entry: an insert, or a guarded update (Status null when only nodes changed).</summary>
public sealed record AppliedWrite(long Sequence, string Owner, string Uid, string? Status, long Revision, bool Inserted);
