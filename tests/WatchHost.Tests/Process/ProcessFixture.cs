using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.WatchHost.Tests.Process;

/// <summary>
/// The real system for the process-level tests: API server, MongoDB-wire server, Toxiproxy, and two published silos
/// (localhost clustering) whose database connection goes through a Toxiproxy proxy so a test can black it out. Each
/// test starts its own watch host processes on its own namespace (also the lease's namespace).
/// </summary>
public sealed class ProcessFixture : IAsyncLifetime
{
    private TestEnvironment? env;
    private LocalSiloCluster? cluster;

    public TestEnvironment Env => env ?? throw new InvalidOperationException("not started");

    public LocalSiloCluster Cluster => cluster ?? throw new InvalidOperationException("not started");

    /// <summary>The silos' database proxy (disable it for a blackout).</summary>
    public ToxicProxy Database { get; private set; } = null!;

    public UserDocuments Users => new(Env.Mongo.Client);

    public async Task InitializeAsync()
    {
        env = await TestEnvironment.StartAsync(withToxiproxy: true);
        Database = await env.Faults!.AddProxyAsync("silo-db", $"127.0.0.1:{env.Mongo.Proxy.Port}");
        var logs = Path.Combine(TestAssets.RepoRoot, ".build", "test-logs", "watchhost-process-" + DateTime.UtcNow.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        cluster = new LocalSiloCluster(PublishedApps.Locate(), MongoWire.UrlForPort(Database.Port), logs);
        await cluster.StartSilosAsync(2);
    }

    public async Task DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }

        if (env is not null)
        {
            await env.DisposeAsync();
        }
    }
}
