using AgentJobSync.Grains.Storage;
using MongoDB.Bson;

namespace AgentJobSync.Grains.Domain;

/// <summary>
/// The new element of a user's <c>jobs</c> for a job seen for the first time. Without <c>nodes</c> (null) the element has
/// no such field: node status updates are off, or the owner's document cannot take them.
/// </summary>
public static class EntryDocument
{
    public static BsonDocument Create(JobObservation observation, JobState state, BsonArray? nodes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var entry = new BsonDocument
        {
            { JobEntryFields.Id, observation.Uid },
            { JobEntryFields.JobName, observation.JobName ?? observation.Name },
            { JobEntryFields.JobType, JobEntryFields.AgentJobType },
            { JobEntryFields.Status, JobStates.Name(state) },
            { JobEntryFields.LastActive, new BsonDateTime(now.UtcDateTime) },
            { JobEntryFields.CreatedTime, new BsonDateTime((observation.CreatedAt ?? now).UtcDateTime) },
            { JobEntryFields.AgentId, observation.AgentId ?? string.Empty },
            { JobEntryFields.Creator, observation.Creator ?? string.Empty },
            { JobEntryFields.Revision, new BsonInt64(1) },
        };
        if (nodes is not null)
        {
            entry[JobEntryFields.Nodes] = nodes;
        }

        if (observation.Deleted)
        {
            entry[JobEntryFields.DeletedTime] = new BsonDateTime(now.UtcDateTime);
        }

        return entry;
    }
}
