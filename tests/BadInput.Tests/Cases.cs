using System.Globalization;
using System.Text.Json.Nodes;
using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;

namespace AgentJobSync.BadInput.Tests;

/// <summary>The bad inputs, each with the reason the service reports (or <c>Synced</c> when it must tolerate it).</summary>
internal static class Cases
{
    private static string Now => DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture);

    public static readonly IReadOnlyList<BadCase> All =
    [
        // The job itself.
        new("empty-owner", "InvalidOwner", c => c.JobInStateAsync("", "executing")),
        new("non-uuid-owner", "InvalidOwner", c => c.JobInStateAsync("user-42", "executing")),
        new("owner-with-spaces", "InvalidOwner", c => c.JobInStateAsync("  ", "executing")),
        new("unknown-owner", "UserNotFound", c => c.JobInStateAsync(Guid.NewGuid().ToString(), "executing")),
        new("unknown-state", "UnknownState", async c => { await c.InsertOwnerAsync(); return await c.JobInStateAsync(c.Owner, "paused"); }),
        new("numeric-state", "UnknownState", async c => { await c.InsertOwnerAsync(); return await c.JobInStateAsync(c.Owner, "3"); }),
        new("owner-change", "OwnerChanged", OwnerChangeAsync, async (c, job) =>
        {
            Assert.Single(await c.EntriesAsync(c.Owner, job.Uid));
            Assert.Empty(await c.EntriesAsync(c.Documents[^1], job.Uid));
        }),
        new("malformed-last-updated", "Synced", async c =>
        {
            await c.InsertOwnerAsync();
            return await c.JobWithNodesAsync(c.Owner, "executing", new JsonArray(
                new JsonObject { ["alias"] = "a", ["status"] = "done", ["lastUpdated"] = "yesterday-ish" },
                new JsonObject { ["alias"] = "b", ["status"] = "done", ["lastUpdated"] = "" }));
        }),
        new("huge-node-outputs", "Synced", async c =>
        {
            await c.InsertOwnerAsync();
            return await c.JobWithNodesAsync(c.Owner, "executing", new JsonArray(
                new JsonObject { ["alias"] = "big", ["status"] = "done", ["output"] = new string('x', 400 * 1024), ["lastUpdated"] = Now }));
        }, async (c, job) =>
        {
            var entry = Assert.Single(await c.EntriesAsync(c.Owner, job.Uid));
            var node = Assert.Single(entry["nodes"].AsBsonArray).AsBsonDocument;
            Assert.False(node.Contains("output") && node["output"].IsString && node["output"].AsString.Length > 1000, "the huge output was copied");
        }),
        new("too-many-nodes", "EntryTooLarge", async c =>
        {
            await c.InsertOwnerAsync();
            var nodes = new JsonArray([.. Enumerable.Range(0, 4000).Select(i => (JsonNode)new JsonObject
            {
                ["alias"] = "node-" + i.ToString("D5", CultureInfo.InvariantCulture) + new string('n', 60), ["status"] = "done", ["lastUpdated"] = Now,
            })]);
            return await c.JobWithNodesAsync(c.Owner, "executing", nodes);
        }, async (c, job) => Assert.Equal("Executing", UserDocuments.Status(Assert.Single(await c.EntriesAsync(c.Owner, job.Uid))))),
        // FerretDB v1 refuses keys starting with $ or containing a dot (code 2 BadValue): a permanent database error.
        new("output-with-dollar-key", "DatabaseRejected", async c =>
        {
            await c.InsertOwnerAsync();
            return await c.JobWithNodesAsync(c.Owner, "executing", new JsonArray(
                new JsonObject { ["alias"] = "a", ["status"] = "done", ["output"] = new JsonObject { ["$where"] = "1" }, ["lastUpdated"] = Now }));
        }),
        new("output-with-dotted-key", "DatabaseRejected", async c =>
        {
            await c.InsertOwnerAsync();
            return await c.JobWithNodesAsync(c.Owner, "executing", new JsonArray(
                new JsonObject { ["alias"] = "a", ["status"] = "done", ["output"] = new JsonObject { ["a.b"] = 1 }, ["lastUpdated"] = Now }));
        }),

        // The owner's document.
        new("jobs-missing", "Synced", async c => { await c.InsertOwnerAsync(d => d.Remove("jobs")); return await c.JobInStateAsync(c.Owner, "executing"); }),
        new("jobs-null", "UserDocumentInvalid", async c => { await c.InsertOwnerAsync(d => d["jobs"] = BsonNull.Value); return await c.JobInStateAsync(c.Owner, "executing"); }),
        new("jobs-string", "UserDocumentInvalid", async c => { await c.InsertOwnerAsync(d => d["jobs"] = "none"); return await c.JobInStateAsync(c.Owner, "executing"); }),
        new("jobs-number", "UserDocumentInvalid", async c => { await c.InsertOwnerAsync(d => d["jobs"] = 7); return await c.JobInStateAsync(c.Owner, "executing"); }),
        new("jobs-object", "UserDocumentInvalid", async c => { await c.InsertOwnerAsync(d => d["jobs"] = new BsonDocument("x", 1)); return await c.JobInStateAsync(c.Owner, "executing"); }),
        new("jobs-with-nulls-and-scalars", "Synced", async c =>
        {
            await c.InsertOwnerAsync(d => d["jobs"].AsBsonArray.AddRange(new BsonValue[] { BsonNull.Value, 5, "text" }));
            return await c.JobInStateAsync(c.Owner, "executing");
        }),
        new("duplicate-entries-of-the-job", "Synced", DuplicateEntriesAsync, async (c, job) => Assert.Single(await c.EntriesAsync(c.Owner, job.Uid))),
        new("entry-status-a-number", "Synced", c => WrongTypedEntryAsync(c, "status", 3)),
        // Another writer's non-numeric sync_rev: the grain guards its first write by exactly that value and takes the
        // entry over (numbering from 1). Before that fix every guarded write missed and the job was retried forever.
        new("entry-sync-rev-a-string", "Synced", c => WrongTypedEntryAsync(c, "sync_rev", "seven"), async (c, job) =>
            Assert.Equal(1, Assert.Single(await c.EntriesAsync(c.Owner, job.Uid))["sync_rev"].ToInt64())),
        new("entry-nodes-not-an-array", "Synced", c => WrongTypedEntryAsync(c, "nodes", "none")),
        new("entry-id-not-a-string", "Synced", async c =>
        {
            await c.InsertOwnerAsync(d => d["jobs"].AsBsonArray.Add(new BsonDocument { { "id", 12345 }, { "status", "New" } }));
            return await c.JobInStateAsync(c.Owner, "executing");
        }),
        // FerretDB v1 does not enforce 16 MiB on updates, so the entry lands (MongoDB would answer 17419, classified
        // document_too_large and reported DatabaseRejected): on this server the outcome is Synced.
        new("document-near-16-mib", "Synced", async c =>
        {
            await c.InsertOwnerAsync(d => d["padding"] = new string('p', (16 * 1024 * 1024) - 2048));
            return await c.JobWithNodesAsync(c.Owner, "executing", new JsonArray(
                new JsonObject { ["alias"] = "a", ["status"] = "done", ["output"] = new string('o', 8192), ["lastUpdated"] = Now }));
        }),
        new("two-user-documents-with-one-id", "Synced", TwoDocumentsAsync),
        new("user-document-deleted-after-entry", "UserNotFound", async c =>
        {
            await c.InsertOwnerAsync();
            var job = await c.JobInStateAsync(c.Owner, "inactive");
            await c.UntilEntryAsync(c.Owner, job, "Pending");
            await c.Users.DeleteOneAsync(Builders<BsonDocument>.Filter.Eq("id", c.Owner));
            c.Documents.Remove(c.Owner);
            Assert.True(await c.Driver.SetStateAsync(job, "executing"));
            return job;
        }),
    ];

    private static async Task<OperatorJob> OwnerChangeAsync(CaseContext c)
    {
        await c.InsertOwnerAsync();
        var job = await c.JobInStateAsync(c.Owner, "inactive");
        await c.UntilEntryAsync(c.Owner, job, "Pending");
        var other = await c.InsertUserAsync(CaseContext.StandardUser(Guid.NewGuid().ToString()));
        await c.Driver.SetOwnerAsync(job, other);
        Assert.True(await c.Driver.SetStateAsync(job, "executing"));
        return job;
    }

    // Copies left by the previous operator: two entries of the job before its grain ever ran.
    private static async Task<OperatorJob> DuplicateEntriesAsync(CaseContext c)
    {
        await c.InsertOwnerAsync();
        var job = await c.CreateJobAsync(c.Owner);
        var copy = new BsonDocument { { "id", job.Uid }, { "job_name", "old copy" }, { "job_type", "AgentJob" }, { "status", "New" } };
        await c.Users.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("id", c.Owner), Builders<BsonDocument>.Update.PushEach("jobs", [copy, copy.DeepClone()]));
        Assert.True(await c.Driver.SetStateAsync(job, "executing"));
        return job;
    }

    // An entry of the job written by someone else with a field of the wrong type.
    private static async Task<OperatorJob> WrongTypedEntryAsync(CaseContext c, string field, BsonValue value)
    {
        await c.InsertOwnerAsync();
        var job = await c.CreateJobAsync(c.Owner);
        var entry = new BsonDocument { { "id", job.Uid }, { "job_name", "typed" }, { "job_type", "AgentJob" }, { "status", "New" } };
        entry[field] = value;
        await c.Users.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("id", c.Owner), Builders<BsonDocument>.Update.Push("jobs", entry));
        Assert.True(await c.Driver.SetStateAsync(job, "executing"));
        return job;
    }

    // The silos build a unique index on users.id at start, so the second document is refused by the database: the
    // duplicate pair cannot exist here, and the job syncs into the one document.
    private static async Task<OperatorJob> TwoDocumentsAsync(CaseContext c)
    {
        await c.InsertOwnerAsync();
        await Assert.ThrowsAnyAsync<MongoException>(() => c.Users.InsertOneAsync(CaseContext.StandardUser(c.Owner)));
        return await c.JobInStateAsync(c.Owner, "executing");
    }
}
