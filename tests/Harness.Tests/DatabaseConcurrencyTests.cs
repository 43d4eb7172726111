using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;
using Xunit.Abstractions;

namespace AgentJobSync.Harness.Tests;

/// <summary>
/// Why the harness puts a one-request-at-a-time proxy in front of FerretDB: straight to it, concurrent updates of one
/// document are lost (FerretDB v1 runs an update as a read and a separate write); through the proxy, none are.
/// </summary>
[Collection(HarnessCollection.Name)]
public sealed class DatabaseConcurrencyTests(SharedEnvironment shared, ITestOutputHelper output)
{
    private const int Clients = 8;
    private const int IncrementsPerClient = 50;
    private const int Expected = Clients * IncrementsPerClient;

    private MongoWire Mongo => shared.Environment.Mongo;

    [Fact]
    public async Task Concurrent_increments_of_one_document_all_apply_through_the_proxy_and_some_are_lost_straight_to_FerretDB()
    {
        var throughProxy = await IncrementConcurrentlyAsync(Mongo.Url, "proxy");
        var direct = new List<long>();
        for (var run = 0; run < 3 && !direct.Any(n => n < Expected); run++)
        {
            direct.Add(await IncrementConcurrentlyAsync(Mongo.DirectUrl, $"direct{run}"));
        }

        output.WriteLine($"inc through proxy: {throughProxy}/{Expected}, direct: {string.Join(", ", direct.Select(n => $"{n}/{Expected}"))}");

        Assert.Equal(Expected, throughProxy);
        Assert.All(direct, n => Assert.InRange(n, 1, Expected));
        // Documents the reason the proxy exists. If this fails, FerretDB stopped losing concurrent updates and the
        // serializing proxy may be dropped.
        Assert.True(direct.Any(n => n < Expected), $"FerretDB kept all {Expected} concurrent increments in {direct.Count} direct runs");
    }

    private async Task<long> IncrementConcurrentlyAsync(string url, string label)
    {
        var databaseName = TestEnvironment.NewDatabaseName("inc_" + label);
        var documentId = ObjectId.GenerateNewId();
        await Mongo.Client.GetDatabase(databaseName).GetCollection<BsonDocument>("counters")
            .InsertOneAsync(new BsonDocument { ["_id"] = documentId, ["n"] = 0 });

        // Separate clients (the application name keeps the driver from sharing one cluster between them).
        var clients = Enumerable.Range(0, Clients)
            .Select(i =>
            {
                var settings = MongoWire.CreateSettings(url);
                settings.ApplicationName = $"inc-{label}-{i}-{Guid.NewGuid():N}";
                return new MongoClient(settings);
            })
            .ToList();
        try
        {
            // Connect every client first so the increments really overlap.
            await Task.WhenAll(clients.Select(c => c.GetDatabase(databaseName).RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1))));
            var filter = Builders<BsonDocument>.Filter.Eq("_id", documentId);
            var update = Builders<BsonDocument>.Update.Inc("n", 1);
            await Task.WhenAll(clients.Select(async client =>
            {
                var collection = client.GetDatabase(databaseName).GetCollection<BsonDocument>("counters");
                for (var i = 0; i < IncrementsPerClient; i++)
                {
                    await collection.UpdateOneAsync(filter, update);
                }
            }));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        var document = await Mongo.Client.GetDatabase(databaseName).GetCollection<BsonDocument>("counters")
            .Find(Builders<BsonDocument>.Filter.Eq("_id", documentId)).SingleAsync();
        await Mongo.Client.DropDatabaseAsync(databaseName);
        return document["n"].ToInt64();
    }
}
