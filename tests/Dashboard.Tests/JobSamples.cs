using System.Globalization;
using AgentJobSync.Grains;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Dashboard.Tests;

/// <summary>Users and observations shaped like the platform's (as in <c>tests/Grains.Tests/Jobs.cs</c>).</summary>
internal static class JobSamples
{
    public const string Namespace = "ea-platform";

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

    public static string NewUid() => Guid.NewGuid().ToString();

    public static string NameOf(string uid) => "job-" + uid[..8];

    public static JobObservation Observe(string uid, string owner, string state, int step) => new(
        uid, Namespace, NameOf(uid), owner, state,
        [new NodeObservation("a", $"step-{step}", $"{{\"step\":{step}}}", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture))],
        DateTimeOffset.UtcNow, "agent-1", "creator-1", "Job " + uid[..8], false, DateTimeOffset.UtcNow, step.ToString(CultureInfo.InvariantCulture));

    /// <summary>Drives one job through <paramref name="states"/> and returns the last outcome.</summary>
    public static async Task<SyncOutcome> DriveAsync(IGrainFactory grains, string uid, string owner, params string[] states)
    {
        SyncOutcome? last = null;
        for (var i = 0; i < states.Length; i++)
        {
            last = await grains.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Observe(uid, owner, states[i], i));
        }

        return last ?? throw new ArgumentException("at least one state", nameof(states));
    }

    public static string[] Sorted(IEnumerable<string> uids) => [.. uids.Order(StringComparer.Ordinal)];
}
