using System.Diagnostics;
using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;

namespace AgentJobSync.Harness.Tests;

/// <summary>Toxiproxy in front of the database proxy cuts, restores and slows connections.</summary>
[Collection(HarnessCollection.Name)]
public sealed class ToxiproxyTests(SharedEnvironment shared)
{
    private static readonly BsonDocument Ping = new("ping", 1);

    [Fact]
    public async Task Disable_cuts_the_database_off_and_enable_restores_it()
    {
        var environment = shared.Environment;
        var toxic = await environment.Faults!.AddProxyAsync($"mongo-{Guid.NewGuid():N}", $"127.0.0.1:{environment.Mongo.Proxy.Port}");
        using var client = ShortTimeoutClient(toxic);
        var admin = client.GetDatabase("admin");
        await admin.RunCommandAsync<BsonDocument>(Ping);

        await toxic.DisableAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => admin.RunCommandAsync<BsonDocument>(Ping));

        await toxic.EnableAsync();
        await Eventually.UntilAsync(
            async ct => (await admin.RunCommandAsync<BsonDocument>(Ping, cancellationToken: ct))["ok"].ToDouble() == 1,
            TimeSpan.FromSeconds(30), "ping works again after EnableAsync");
        await toxic.DeleteAsync();
    }

    [Fact]
    public async Task Latency_slows_every_reply_until_the_toxics_are_removed()
    {
        var environment = shared.Environment;
        var toxic = await environment.Faults!.AddProxyAsync($"mongo-{Guid.NewGuid():N}", $"127.0.0.1:{environment.Mongo.Proxy.Port}");
        using var client = ShortTimeoutClient(toxic);
        var admin = client.GetDatabase("admin");
        await admin.RunCommandAsync<BsonDocument>(Ping);

        await toxic.AddLatencyAsync(300);
        var watch = Stopwatch.StartNew();
        await admin.RunCommandAsync<BsonDocument>(Ping);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(290), $"ping took {watch.Elapsed.TotalMilliseconds} ms with 300 ms latency");

        await toxic.RemoveToxicsAsync();
        await admin.RunCommandAsync<BsonDocument>(Ping);
        await toxic.DeleteAsync();
    }

    [Fact]
    public async Task A_reply_cut_closes_the_connection_in_the_middle_of_a_large_reply_until_the_toxics_are_removed()
    {
        var environment = shared.Environment;
        var collection = environment.Mongo.Client.GetDatabase(TestEnvironment.NewDatabaseName("reply_cut")).GetCollection<BsonDocument>("docs");
        await collection.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "payload", new string('x', 20_000) } });
        var toxic = await environment.Faults!.AddProxyAsync($"mongo-{Guid.NewGuid():N}", $"127.0.0.1:{environment.Mongo.Proxy.Port}");
        using var client = ShortTimeoutClient(toxic);
        var through = client.GetDatabase(collection.Database.DatabaseNamespace.DatabaseName).GetCollection<BsonDocument>("docs");
        Assert.Equal(20_000, (await through.Find(FilterDefinition<BsonDocument>.Empty).SingleAsync())["payload"].AsString.Length);

        await toxic.AddReplyCutAsync(1000);
        await Assert.ThrowsAnyAsync<MongoException>(() => through.Find(FilterDefinition<BsonDocument>.Empty).SingleAsync());

        await toxic.RemoveToxicsAsync();
        await Eventually.UntilAsync(
            async ct => (await through.Find(FilterDefinition<BsonDocument>.Empty).SingleAsync(ct))["payload"].AsString.Length == 20_000,
            TimeSpan.FromSeconds(30), "the document is read whole again after the toxics are removed");
        await toxic.DeleteAsync();
    }

    private static MongoClient ShortTimeoutClient(ToxicProxy toxic)
    {
        var settings = MongoWire.CreateSettings($"mongodb://{toxic.Listen}/?directConnection=true");
        settings.ApplicationName = $"toxic-{Guid.NewGuid():N}";
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(2);
        settings.ConnectTimeout = TimeSpan.FromSeconds(2);
        settings.SocketTimeout = TimeSpan.FromSeconds(3);
        settings.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
        return new MongoClient(settings);
    }
}
