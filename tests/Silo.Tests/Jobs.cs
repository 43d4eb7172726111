using System.Collections.Immutable;
using System.Globalization;
using AgentJobSync.Grains;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Silo.Tests;

/// <summary>Observations and user documents shaped like the platform's, for driving the silos' grains through a client (as in Grains.Tests).</summary>
internal static class Jobs
{
    private static readonly DateTimeOffset Origin = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static JobObservation Observe(string uid, string owner, string? state, int step = 0, bool deleted = false) => new(
        uid, "ea-platform", "job-" + uid[..8], owner, state,
        [new NodeObservation("a", $"step-{step}", $"{{\"step\":{step}}}", Origin.AddSeconds(step).ToString("O", CultureInfo.InvariantCulture))],
        Origin, "agent-1", "creator-1", "Job " + uid[..8], deleted, DateTimeOffset.UtcNow, step.ToString(CultureInfo.InvariantCulture));

    public static async Task<string> CreateUserAsync(IMongoCollection<BsonDocument> users)
    {
        var owner = Guid.NewGuid().ToString();
        await users.InsertOneAsync(new BsonDocument
        {
            { "id", owner }, { "compute_credits", 0 }, { "compute_devices", new BsonArray() },
            { "jobs", new BsonArray { new BsonDocument { { "id", "manager-" + owner[..8] }, { "job_type", "Manager" } } } },
        });
        return owner;
    }

    public static async Task<BsonDocument> UserAsync(IMongoCollection<BsonDocument> users, string owner) =>
        await users.Find(new BsonDocument("id", owner)).SingleAsync();

    public static ImmutableArray<BsonDocument> Entries(BsonDocument user, string uid) =>
        [.. user["jobs"].AsBsonArray.OfType<BsonDocument>().Where(j => j.GetValue("id", BsonNull.Value) == uid)];
}
