using MongoDB.Bson;

namespace AgentJobSync.Grains;

/// <summary>
/// The job's entry as this activation last read or wrote it: in whose document, at which index, with what content
/// (its revision included). Deciding from it saves the read before a write: the write's own guard (our id at that index, that
/// revision) proves the entry is still exactly this, and a miss falls back to a fresh read. Never persisted, and never
/// used to conclude anything about the document (removal is concluded only from a fresh read).
/// </summary>
public sealed record KnownEntry(string Owner, int Index, BsonDocument Entry);
