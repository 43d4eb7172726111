using AgentJobSync.Grains.Storage;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Storage.Tests;

/// <summary>Builds and reads user documents the way the front end and the manager shape them.</summary>
internal static class Documents
{
    public static BsonDocument User(string id, params BsonDocument[] jobs) => new()
    {
        { "id", id },
        { "name", "user " + id[..8] },
        { "compute_credits", 0 },
        { "compute_devices", new BsonArray() },
        { "jobs", new BsonArray(jobs) },
    };

    public static BsonDocument Entry(string uid, string status = "New", long? revision = 1)
    {
        var entry = new BsonDocument
        {
            { JobEntryFields.Id, uid },
            { JobEntryFields.JobName, "job " + uid },
            { JobEntryFields.JobType, JobEntryFields.AgentJobType },
            { JobEntryFields.Status, status },
            { JobEntryFields.LastActive, new BsonDateTime(DateTime.UtcNow) },
            { JobEntryFields.CreatedTime, new BsonDateTime(DateTime.UtcNow) },
            { JobEntryFields.AgentId, "agent" },
            { JobEntryFields.Creator, "creator" },
            { JobEntryFields.Nodes, new BsonArray() },
        };
        if (revision is { } rev)
        {
            entry[JobEntryFields.Revision] = new BsonInt64(rev);
        }

        return entry;
    }

    public static BsonDocument ManagerEntry(string id) => new() { { "id", id }, { "job_type", "Manager" }, { "status", "Queued" } };

    public static async Task<BsonDocument> ReadUserAsync(IMongoCollection<BsonDocument> users, string id) =>
        await users.Find(new BsonDocument("id", id)).SingleAsync();

    public static IReadOnlyList<BsonValue> Jobs(BsonDocument user) => [.. user["jobs"].AsBsonArray];

    public static int CountEntries(BsonDocument user, string uid) =>
        Jobs(user).Count(j => j is BsonDocument d && d.TryGetValue("id", out var v) && v == uid);
}
