using System.Text.Json.Nodes;
using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.BadInput.Tests;

/// <summary>A case's world: its owner id, the documents it created (compared before and after), the fixture's driver.</summary>
internal sealed class CaseContext(BadInputFixture fixture, string name)
{
    public string Owner { get; } = Guid.NewGuid().ToString();

    public string Name => name;

    public JobOperatorDriver Driver => fixture.Driver;

    public IMongoCollection<BsonDocument> Users => fixture.Users.Collection;

    /// <summary>The owners whose documents must stay as they were apart from the case's own job entry.</summary>
    public List<string> Documents { get; } = [];

    /// <summary>A standard user document with extra manager data (an entry of another job, devices, credits).</summary>
    public static BsonDocument StandardUser(string id) => new()
    {
        { "id", id },
        { "compute_credits", 250 },
        { "compute_devices", new BsonArray { new BsonDocument { { "device_id", "gpu-1" } } } },
        { "jobs", new BsonArray { new BsonDocument { { "id", "manager-entry" }, { "job_name", "kept" }, { "status", "Complete" } } } },
    };

    /// <summary>Inserts <paramref name="doc"/> as a user document this case watches.</summary>
    public async Task<string> InsertUserAsync(BsonDocument doc)
    {
        await Users.InsertOneAsync(doc);
        Documents.Add(doc["id"].AsString);
        return doc["id"].AsString;
    }

    /// <summary>The standard document for <see cref="Owner"/> with <paramref name="edit"/> applied.</summary>
    public Task<string> InsertOwnerAsync(Action<BsonDocument>? edit = null)
    {
        var doc = StandardUser(Owner);
        edit?.Invoke(doc);
        return InsertUserAsync(doc);
    }

    public Task<OperatorJob> CreateJobAsync(string owner) => Driver.CreateAsync(name, owner);

    /// <summary>A job of <paramref name="owner"/> moved to <paramref name="state"/> with the driver's usual nodes.</summary>
    public async Task<OperatorJob> JobInStateAsync(string owner, string state)
    {
        var job = await CreateJobAsync(owner);
        if (!await Driver.SetStateAsync(job, state))
        {
            throw new InvalidOperationException("the driver's write conflicted");
        }

        return job;
    }

    /// <summary>A job of <paramref name="owner"/> in <paramref name="state"/> with exactly <paramref name="nodes"/>.</summary>
    public async Task<OperatorJob> JobWithNodesAsync(string owner, string state, JsonArray nodes)
    {
        var job = await CreateJobAsync(owner);
        if (!await Driver.SetStatusAsync(job, state, nodes))
        {
            throw new InvalidOperationException("the driver's write conflicted");
        }

        return job;
    }

    /// <summary>The entries of <paramref name="uid"/> in <paramref name="owner"/>'s document.</summary>
    public async Task<List<BsonDocument>> EntriesAsync(string owner, string uid)
    {
        var doc = await Users.Find(Builders<BsonDocument>.Filter.Eq("id", owner)).FirstOrDefaultAsync();
        return doc is not null && doc.TryGetValue("jobs", out var jobs) && jobs.IsBsonArray
            ? [.. jobs.AsBsonArray.OfType<BsonDocument>().Where(e => e.GetValue("id", "") == uid)]
            : [];
    }

    /// <summary>Waits until <paramref name="owner"/>'s document holds exactly one entry of <paramref name="job"/> with <paramref name="status"/>.</summary>
    public Task UntilEntryAsync(string owner, OperatorJob job, string status) =>
        Eventually.UntilAsync(
            async _ => await EntriesAsync(owner, job.Uid) is [var e] && UserDocuments.Status(e) == status,
            TimeSpan.FromSeconds(60), $"{name}: one entry of the job with status {status}");
}
