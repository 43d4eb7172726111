using AgentJobSync.Grains.Storage;
using AgentJobSync.TestHarness;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Storage.Tests;

/// <summary>One MongoDB-wire server (behind the harness's serializing proxy) for the whole test run; a fresh database per test.</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private MongoWire? _mongo;
    private int _databases;
    private int _clients;

    public MongoWire Mongo => _mongo ?? throw new InvalidOperationException("the database is not started");

    public async Task InitializeAsync() => _mongo = await MongoWire.StartAsync();

    public async Task DisposeAsync()
    {
        if (_mongo is not null)
        {
            await _mongo.DisposeAsync();
        }
    }

    /// <summary>A store on a database of its own, and the raw collection to arrange and inspect documents.</summary>
    public (UserJobsStore Store, IMongoCollection<BsonDocument> Users) NewStore(string? url = null)
    {
        var name = $"shapes_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        var options = Options.Create(new UserDocumentOptions { DatabaseName = name, OperationTimeout = TimeSpan.FromSeconds(30) });
        var client = url is null ? Mongo.Client : Mongo.CreateClient(url);
        var users = client.GetDatabase(name).GetCollection<BsonDocument>("users");
        return (new UserJobsStore(client, options), users);
    }

    /// <summary>Another store on the same database as <paramref name="users"/>, through a client of its own (its own connections).</summary>
    public UserJobsStore NewStoreOn(IMongoCollection<BsonDocument> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var options = Options.Create(new UserDocumentOptions { DatabaseName = users.Database.DatabaseNamespace.DatabaseName, OperationTimeout = TimeSpan.FromSeconds(30) });
        // A distinct application name gives the client a connection pool of its own (equal settings would share one).
        var client = Mongo.CreateClient(configure: settings => settings.ApplicationName = $"store-{Interlocked.Increment(ref _clients)}");
        return new UserJobsStore(client, options);
    }

    /// <summary>A database name no other test uses (the server creates it on the first write).</summary>
    public string NewDatabaseName(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
    }

    /// <summary>A client through the proxy with a connection pool of its own, as another process would have; disposed with the server.</summary>
    public IMongoClient NewSeparateClient() =>
        Mongo.CreateClient(configure: settings => settings.ApplicationName = $"client-{Interlocked.Increment(ref _clients)}");
}
