using AgentJobSync.Grains.Hosting;
using AgentJobSync.Grains.Storage;
using AgentJobSync.TestHarness;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;
using Orleans.TestingHost;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// A three-silo <see cref="TestCluster"/> whose grains persist to the real MongoDB-wire server (through the harness's
/// serializing proxy), shared by the tests of <see cref="ClusterCollection"/>. Every test uses users of its own.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int SiloCount = 3;
    public const string Database = "ainuUsers";

    private static readonly WriteLog Log = new();
    private TestCluster? _cluster;
    private MongoWire? _mongo;

    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster is not deployed");

    public MongoWire Mongo => _mongo ?? throw new InvalidOperationException("the database is not started");

    public static WriteLog Writes => Log;

    public IMongoCollection<BsonDocument> Users => Mongo.Client.GetDatabase(Database).GetCollection<BsonDocument>("users");

    public async Task InitializeAsync()
    {
        _mongo = await MongoWire.StartAsync();
        _cluster = await DeployAsync(_mongo.Url, SiloCount);
    }

    /// <summary>A cluster of its own on the same database (another cluster id: its grains know nothing of ours).</summary>
    public static async Task<TestCluster> DeployAsync(string mongoUrl, int silos, Action<TestClusterBuilder>? configure = null)
    {
        var builder = new TestClusterBuilder((short)silos);
        builder.Properties["MongoUrl"] = mongoUrl;
        builder.AddSiloBuilderConfigurator<DatabaseSiloConfigurator>();
        configure?.Invoke(builder);
        var cluster = builder.Build();
        await cluster.DeployAsync();

        // Each silo learns in the background, as in production, that users.id is unique, which decides whether a new job
        // may be appended without a read; tests that count commands need every silo past that point.
        foreach (var silo in cluster.Silos.Cast<InProcessSiloHandle>())
        {
            await silo.SiloHost.Services.GetRequiredService<UserIndexInitializer>().Status.WaitAsync(TimeSpan.FromMinutes(1));
        }

        return cluster;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }

        if (_mongo is not null)
        {
            await _mongo.DisposeAsync();
        }
    }

    /// <summary>Registers the grains on the database named by the cluster's "MongoUrl" property, with the write log attached.</summary>
    private sealed class DatabaseSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var url = siloBuilder.Configuration["MongoUrl"] ?? throw new InvalidOperationException("MongoUrl is not configured");
            siloBuilder.Services.AddSingleton<IMongoClient>(_ =>
            {
                var settings = MongoWire.CreateSettings(url);
                settings.ClusterConfigurator = cb => cb.Subscribe<CommandStartedEvent>(Log.OnStarted).Subscribe<CommandSucceededEvent>(Log.OnSucceeded);
                return new MongoClient(settings);
            });
            siloBuilder.AddAgentJobGrains(url, sync =>
            {
                sync.RetryBudget = TimeSpan.FromSeconds(10);
                sync.HistorySaveDelay = TimeSpan.FromSeconds(2);
            });
            siloBuilder.AddIncomingGrainCallFilter<CallRecorder>();
        }
    }
}
