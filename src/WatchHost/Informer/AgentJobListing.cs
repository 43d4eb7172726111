using AgentJobSync.WatchHost.Model;

namespace AgentJobSync.WatchHost.Informer;

/// <summary>One complete list: the jobs, the version to watch from, and how many objects could not be keyed.</summary>
public sealed record AgentJobListing(IReadOnlyList<AgentJob> Items, string ResourceVersion, int Unreadable);
