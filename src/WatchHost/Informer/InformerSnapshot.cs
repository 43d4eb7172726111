using AgentJobSync.WatchHost.Model;

namespace AgentJobSync.WatchHost.Informer;

/// <summary>
/// What an informer knew: its objects and the last resourceVersion it saw. Starting an informer from a snapshot resumes
/// the watch from there, and its first list reports every job of the snapshot that is gone as a deletion (jobs deleted
/// while nothing watched).
/// </summary>
public sealed record InformerSnapshot(IReadOnlyList<AgentJob> Jobs, string? ResourceVersion);
