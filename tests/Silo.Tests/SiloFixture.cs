using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Silo.Tests;

/// <summary>One control plane (CRDs installed) and one MongoDB-wire server for the run, and the published silo.</summary>
public sealed class SiloFixture : IAsyncLifetime
{
    private ControlPlane? kube;
    private MongoWire? mongo;

    /// <summary>The running control plane.</summary>
    public ControlPlane Kube => kube ?? throw new InvalidOperationException("not started");

    /// <summary>The running database.</summary>
    public MongoWire Mongo => mongo ?? throw new InvalidOperationException("not started");

    /// <summary>What `make publish` produced.</summary>
    public PublishedApps Apps { get; } = PublishedApps.Locate();

    /// <summary><c>ainuUsers.users</c>.</summary>
    public IMongoCollection<BsonDocument> Users => Mongo.Client.GetDatabase("ainuUsers").GetCollection<BsonDocument>("users");

    /// <summary>Where the silos' logs go (kept after the run).</summary>
    public string LogDirectory { get; } = Path.Combine(TestAssets.RepoRoot, ".build", "test-logs", "silo");

    /// <summary>What the silo pods of these tests share: the API server directly, the database, service id <c>silo-tests</c>.</summary>
    public SiloPodSetup SiloPods => new(Apps, Kube.KubeconfigPath, Mongo.Url, "silo-tests", LogDirectory);

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(LogDirectory);
        kube = await ControlPlane.StartAsync();
        mongo = await MongoWire.StartAsync();
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (mongo is not null)
        {
            await mongo.DisposeAsync();
        }

        if (kube is not null)
        {
            await kube.DisposeAsync();
        }
    }
}
