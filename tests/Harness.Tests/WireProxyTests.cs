using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;
using Xunit.Abstractions;

namespace AgentJobSync.Harness.Tests;

/// <summary>The wire-frame proxy against the real server: commands pass, and when serializing nothing overlaps upstream.</summary>
[Collection(HarnessCollection.Name)]
public sealed class WireProxyTests(SharedEnvironment shared, ITestOutputHelper output)
{
    private MongoWire Mongo => shared.Environment.Mongo;

    [Fact]
    public async Task Hello_ping_insert_and_find_pass_through_and_are_counted()
    {
        await using var proxy = WireProxy.Start(Mongo.FerretDbEndPoint);
        using var client = NewClient(proxy, "basic");
        var database = client.GetDatabase(TestEnvironment.NewDatabaseName("proxy_basic"));

        var hello = await database.RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1));
        Assert.True(hello.GetValue("isWritablePrimary", false).ToBoolean(), hello.ToString());
        var ping = await database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1));
        Assert.Equal(1, ping["ok"].ToDouble());
        var before = proxy.RequestsForwarded;

        var collection = database.GetCollection<BsonDocument>("things");
        await collection.InsertOneAsync(new BsonDocument { ["_id"] = "a", ["value"] = 42 });
        var found = await collection.Find(Builders<BsonDocument>.Filter.Eq("_id", "a")).SingleAsync();

        Assert.Equal(42, found["value"].ToInt32());
        Assert.True(proxy.RequestsForwarded >= before + 2, $"forwarded {proxy.RequestsForwarded}, before {before}");
        Assert.True(proxy.OpenConnections > 0);
        await client.DropDatabaseAsync(database.DatabaseNamespace.DatabaseName);
    }

    [Fact]
    public async Task An_unacknowledged_write_waits_for_no_reply_and_does_not_block_the_connection()
    {
        await using var proxy = WireProxy.Start(Mongo.FerretDbEndPoint);
        using var client = NewClient(proxy, "w0", s => s.MaxConnectionPoolSize = 1);
        var database = client.GetDatabase(TestEnvironment.NewDatabaseName("proxy_w0"));
        var acknowledged = database.GetCollection<BsonDocument>("things");
        await acknowledged.InsertOneAsync(new BsonDocument("_id", "first"));

        // w:0 is sent as OP_MSG with moreToCome: the proxy must not wait for a reply that never comes.
        await acknowledged.WithWriteConcern(WriteConcern.Unacknowledged).InsertOneAsync(new BsonDocument("_id", "unacknowledged"));

        await Eventually.UntilAsync(
            async ct => await acknowledged.CountDocumentsAsync(Builders<BsonDocument>.Filter.Eq("_id", "unacknowledged"), cancellationToken: ct) == 1,
            TimeSpan.FromSeconds(20), "the unacknowledged insert is visible through the same single connection");
        output.WriteLine($"replies nobody waited for (FerretDB answers moreToCome requests): {proxy.UnawaitedReplies}");
        await client.DropDatabaseAsync(database.DatabaseNamespace.DatabaseName);
    }

    [Fact]
    public async Task Serializing_proxy_never_has_two_requests_in_flight_upstream()
    {
        await using var proxy = WireProxy.Start(Mongo.FerretDbEndPoint, serialize: true);
        var maxInFlight = await HammerAsync(proxy, "serial", until: null);

        Assert.Equal(1, maxInFlight);
    }

    [Fact]
    public async Task Non_serializing_proxy_lets_requests_overlap_so_the_instrument_works()
    {
        await using var proxy = WireProxy.Start(Mongo.FerretDbEndPoint, serialize: false);
        var maxInFlight = await HammerAsync(proxy, "parallel", until: () => proxy.MaxInFlight > 1);

        Assert.True(maxInFlight > 1, $"max in flight {maxInFlight}");
    }

    [Fact]
    public async Task Dispose_closes_the_listener_and_every_connection()
    {
        var proxy = WireProxy.Start(Mongo.FerretDbEndPoint);
        using var client = NewClient(proxy, "dispose", s => s.ServerSelectionTimeout = TimeSpan.FromSeconds(2));
        var database = client.GetDatabase("admin");
        await database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1));
        Assert.True(proxy.OpenConnections > 0);

        await proxy.DisposeAsync();

        Assert.Equal(0, proxy.OpenConnections);
        Assert.False(Probe.Accepts(proxy.Port), "the proxy still accepts connections after dispose");
        await Assert.ThrowsAnyAsync<Exception>(() => database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1)));
    }

    private static MongoClient NewClient(WireProxy proxy, string label, Action<MongoClientSettings>? configure = null)
    {
        var settings = MongoWire.CreateSettings($"mongodb://127.0.0.1:{proxy.Port}/?directConnection=true");
        settings.ApplicationName = $"{label}-{Guid.NewGuid():N}";
        configure?.Invoke(settings);
        return new MongoClient(settings);
    }

    /// <summary>8 separate clients insert and read concurrently (100 rounds each, or until <paramref name="until"/>).</summary>
    private static async Task<int> HammerAsync(WireProxy proxy, string label, Func<bool>? until)
    {
        var databaseName = TestEnvironment.NewDatabaseName("proxy_" + label);
        var clients = Enumerable.Range(0, 8).Select(i => NewClient(proxy, $"{label}-{i}")).ToList();
        try
        {
            await Task.WhenAll(clients.Select(c => c.GetDatabase(databaseName).RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1))));
            proxy.ResetMaxInFlight();
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                var collection = client.GetDatabase(databaseName).GetCollection<BsonDocument>("things");
                for (var round = 0; round < 100 && !(until?.Invoke() ?? false); round++)
                {
                    await collection.InsertOneAsync(new BsonDocument { ["client"] = i, ["round"] = round });
                    await collection.Find(Builders<BsonDocument>.Filter.Eq("client", i)).Limit(1).ToListAsync();
                }
            }));
            await clients[0].DropDatabaseAsync(databaseName);
            return proxy.MaxInFlight;
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }
}
