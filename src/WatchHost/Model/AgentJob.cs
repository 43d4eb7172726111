using System.Collections.Immutable;

namespace AgentJobSync.WatchHost.Model;

/// <summary>
/// The fields of an AgentJob this service reads, already tolerant of wrong types: anything the parser could not
/// read as text is carried as its raw JSON text, so the grain can report it (for example as <c>InvalidOwner</c>)
/// instead of the watch loop failing on it.
/// </summary>
public sealed record AgentJob(
    string Namespace,
    string Name,
    string Uid,
    string? ResourceVersion,
    DateTimeOffset? CreationTimestamp,
    DateTimeOffset? DeletionTimestamp,
    string? User,
    string? AgentId,
    string? Creator,
    string? JobName,
    string? State,
    ImmutableArray<AgentJobNode> Nodes)
{
    /// <summary>The informer's and the work queue's key: <c>namespace/name</c>, as client-go's cache keys are.</summary>
    public string Key => JobKey.Of(Namespace, Name);
}
