namespace AgentJobSync.Grains.Storage;

/// <summary>
/// Field names of one element of a user's <c>jobs</c> array. The names and types are a contract with the
/// front end and the manager; <see cref="Revision"/> and <see cref="DeletedTime"/> are this service's additions.
/// </summary>
public static class JobEntryFields
{
    public const string Id = "id";
    public const string JobName = "job_name";
    public const string JobType = "job_type";
    public const string Status = "status";
    public const string LastActive = "last_active";
    public const string CreatedTime = "created_time";
    public const string AgentId = "agent_id";
    public const string Creator = "creator";
    public const string Nodes = "nodes";
    public const string DeletedTime = "deleted_time";

    /// <summary>Counts this service's writes to the entry; every update is conditional on it.</summary>
    public const string Revision = "sync_rev";

    /// <summary>The <c>job_type</c> of every entry this service writes.</summary>
    public const string AgentJobType = "AgentJob";

    /// <summary>The user document's field that holds the entries.</summary>
    public const string JobsArray = "jobs";

    /// <summary>The user document's field that <c>spec.user</c> names (not <c>_id</c>).</summary>
    public const string UserId = "id";
}
