using AgentJobSync.Grains.Storage;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;

namespace AgentJobSync.Storage.Tests;

/// <summary>
/// Our write shapes interleaved, request by request, with the other services that write the same user documents:
/// nothing any of them wrote may be lost, and our entries stay one per job.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ConcurrentWritersTests(DatabaseFixture db, ITestOutputHelper output)
{
    private const int Users = 4;
    private const int JobsPerUser = 8;
    private const int CreditIncrements = 40;
    private const int Devices = 16;
    private const int ManagerEntries = 8;
    private static readonly string[] States = ["Pending", "Executing", "Complete"];

    [Fact]
    public async Task Our_inserts_updates_and_copy_removal_never_clobber_the_managers_writes_of_other_fields_and_entries()
    {
        var (_, users) = db.NewStore();
        var owners = Enumerable.Range(0, Users).Select(_ => Guid.NewGuid().ToString()).ToList();
        var duplicated = owners.ToDictionary(o => o, _ => "legacy-" + Guid.NewGuid());
        foreach (var owner in owners)
        {
            var legacy = Documents.Entry(duplicated[owner], "Pending", revision: null);
            await users.InsertOneAsync(Documents.User(owner, legacy, legacy.DeepClone().AsBsonDocument));
        }

        var ours = db.NewStoreOn(users);
        var manager = db.Mongo.CreateClient(configure: s => s.ApplicationName = "manager").GetDatabase(users.Database.DatabaseNamespace.DatabaseName).GetCollection<BsonDocument>("users");
        var jobs = owners.ToDictionary(o => o, _ => Enumerable.Range(0, JobsPerUser).Select(_ => Guid.NewGuid().ToString()).ToList());

        var writers = new List<Task>();
        foreach (var owner in owners)
        {
            writers.AddRange(jobs[owner].Select(uid => DriveJobAsync(ours, owner, uid)));
            writers.Add(RemoveCopiesAsync(ours, owner, duplicated[owner]));
            writers.Add(IncrementCreditsAsync(manager, owner));
            writers.Add(PushAndPullDevicesAsync(manager, owner));
            writers.Add(PushAndPullManagerEntriesAsync(manager, owner));
        }

        await Task.WhenAll(writers);

        foreach (var owner in owners)
        {
            var user = await Documents.ReadUserAsync(users, owner);
            var all = Documents.Jobs(user);
            Assert.DoesNotContain(all, j => !j.IsBsonDocument);
            Assert.Equal(CreditIncrements, user["compute_credits"].ToInt32());
            Assert.Equal(Enumerable.Range(0, Devices).Where(d => d % 2 == 1).Select(d => $"device-{d}").Order(), user["compute_devices"].AsBsonArray.Select(d => d["name"].AsString).Order());
            var managerIds = all.Where(j => j["job_type"] == "Manager").Select(j => j["id"].AsString).Order();
            Assert.Equal(Enumerable.Range(0, ManagerEntries).Where(m => m % 2 == 1).Select(m => $"{owner}-m{m}").Order(), managerIds);
            Assert.Equal(1, Documents.CountEntries(user, duplicated[owner]));
            foreach (var uid in jobs[owner])
            {
                Assert.Equal(1, Documents.CountEntries(user, uid));
                var entry = all.Single(j => j["id"] == uid);
                Assert.Equal("Complete", entry["status"].AsString);
                Assert.Equal(1 + States.Length, entry[JobEntryFields.Revision].ToInt64());
            }
        }

        output.WriteLine($"requests forwarded through the serializing proxy: {db.Mongo.Proxy.RequestsForwarded}");
    }

    // What a grain does for one job: insert if absent (retried on a miss), then each state as a guarded update.
    private static async Task DriveJobAsync(UserJobsStore store, string owner, string uid)
    {
        while (true)
        {
            var read = await store.ReadAsync(owner, uid, CancellationToken.None);
            if (read.Snapshot.Positions.Count > 0 || await store.InsertIfAbsentAsync(owner, Documents.Entry(uid), read.Snapshot.Length, CancellationToken.None))
            {
                break;
            }
        }

        foreach (var state in States)
        {
            while (true)
            {
                var read = await store.ReadAsync(owner, uid, CancellationToken.None);
                var fields = new BsonDocument { { "status", state }, { "last_active", new BsonDateTime(DateTime.UtcNow) } };
                if (await store.UpdateEntryAsync(owner, read.Snapshot.Positions[0], uid, read.Snapshot.EntryRevision, fields, CancellationToken.None) is not null)
                {
                    break;
                }
            }
        }
    }

    private static async Task RemoveCopiesAsync(UserJobsStore store, string owner, string uid)
    {
        while (true)
        {
            var read = await store.ReadAsync(owner, uid, CancellationToken.None);
            if (read.Snapshot.Positions.Count < 2 || await store.RemoveExtraCopiesAsync(owner, read.Snapshot, read.Snapshot.Positions[0], CancellationToken.None))
            {
                return;
            }
        }
    }

    private static async Task IncrementCreditsAsync(IMongoCollection<BsonDocument> users, string owner)
    {
        for (var i = 0; i < CreditIncrements; i++)
        {
            await users.UpdateOneAsync(new BsonDocument("id", owner), new BsonDocument("$inc", new BsonDocument("compute_credits", 1)));
        }
    }

    private static async Task PushAndPullDevicesAsync(IMongoCollection<BsonDocument> users, string owner)
    {
        for (var d = 0; d < Devices; d++)
        {
            await users.UpdateOneAsync(new BsonDocument("id", owner), new BsonDocument("$push", new BsonDocument("compute_devices", Device(d))));
        }

        for (var d = 0; d < Devices; d += 2)
        {
            await users.UpdateOneAsync(new BsonDocument("id", owner), new BsonDocument("$pull", new BsonDocument("compute_devices", Device(d))));
        }
    }

    // The manager adds its own entries and removes one by id; FerretDB v1's $pull only removes equal values, so the
    // removal pulls the exact element (on MongoDB the manager's $pull by {id} has the same atomic effect).
    private static async Task PushAndPullManagerEntriesAsync(IMongoCollection<BsonDocument> users, string owner)
    {
        for (var m = 0; m < ManagerEntries; m++)
        {
            await users.UpdateOneAsync(new BsonDocument("id", owner), new BsonDocument("$push", new BsonDocument("jobs", Documents.ManagerEntry($"{owner}-m{m}"))));
        }

        for (var m = 0; m < ManagerEntries; m += 2)
        {
            await users.UpdateOneAsync(new BsonDocument("id", owner), new BsonDocument("$pull", new BsonDocument("jobs", Documents.ManagerEntry($"{owner}-m{m}"))));
        }
    }

    private static BsonDocument Device(int d) => new() { { "name", $"device-{d}" }, { "kind", "gpu" } };
}
