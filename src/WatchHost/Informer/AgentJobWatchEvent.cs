using AgentJobSync.WatchHost.Model;

namespace AgentJobSync.WatchHost.Informer;

/// <summary>One watch event: a job added, modified or deleted (its final object), or a bookmark (version only).</summary>
public sealed record AgentJobWatchEvent(WatchChange Change, AgentJob? Job, string? ResourceVersion);
