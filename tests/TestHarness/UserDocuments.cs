using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.TestHarness;

/// <summary>
/// The users' documents (<c>ainuUsers.users</c>) as the front end reads them: creates users and reads every job entry,
/// keyed by the entry's <c>id</c> (the job's UID), to compare with the AgentJobs.
/// </summary>
public sealed class UserDocuments(IMongoClient client, string database = "ainuUsers")
{
    private readonly IMongoCollection<BsonDocument> users = client.GetDatabase(database).GetCollection<BsonDocument>("users");

    /// <summary>The collection.</summary>
    public IMongoCollection<BsonDocument> Collection => users;

    /// <summary>Creates a user document with an empty <c>jobs</c> array (and the fields other services write).</summary>
    public Task CreateUserAsync(string id, CancellationToken cancellationToken = default) =>
        users.InsertOneAsync(new BsonDocument
        {
            { "id", id }, { "compute_credits", 100 }, { "compute_devices", new BsonArray() }, { "jobs", new BsonArray() },
        }, cancellationToken: cancellationToken);

    /// <summary>Every job entry of every user: entry id → (owner, entry).</summary>
    public async Task<Dictionary<string, (string Owner, BsonDocument Entry)>> EntriesAsync(CancellationToken cancellationToken = default)
    {
        var all = new Dictionary<string, (string, BsonDocument)>(StringComparer.Ordinal);
        var docs = await users.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var doc in docs)
        {
            if (!doc.TryGetValue("jobs", out var jobs) || !jobs.IsBsonArray)
            {
                continue;
            }

            foreach (var entry in jobs.AsBsonArray.OfType<BsonDocument>())
            {
                if (entry.TryGetValue("id", out var id) && id.IsString)
                {
                    // A second entry of one job overwrites the first here; CountEntries tells duplicates apart.
                    all[id.AsString] = (doc.GetValue("id", "").ToString()!, entry);
                }
            }
        }

        return all;
    }

    /// <summary>How many entries carry <paramref name="uid"/>, across every user (one job, one entry).</summary>
    public async Task<int> CountEntriesAsync(string uid, CancellationToken cancellationToken = default)
    {
        var docs = await users.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(cancellationToken).ConfigureAwait(false);
        return docs.Sum(d => d.TryGetValue("jobs", out var jobs) && jobs.IsBsonArray
            ? jobs.AsBsonArray.OfType<BsonDocument>().Count(e => e.TryGetValue("id", out var id) && id == uid)
            : 0);
    }

    /// <summary>The entry's <c>status</c>, or null.</summary>
    public static string? Status(BsonDocument entry) =>
        entry is not null && entry.TryGetValue("status", out var s) && s.IsString ? s.AsString : null;

    /// <summary>Whether the entry carries <c>deleted_time</c>.</summary>
    public static bool IsDeleted(BsonDocument entry) =>
        entry is not null && entry.TryGetValue("deleted_time", out var t) && !t.IsBsonNull;
}
