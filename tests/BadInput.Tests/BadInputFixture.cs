using System.Globalization;
using AgentJobSync.TestHarness;
using k8s;
using Xunit;

namespace AgentJobSync.BadInput.Tests;

/// <summary>
/// One environment for every bad-input case: API server, MongoDB-wire server, two published silos and one watch host
/// on one namespace. Each case brings its own users and jobs.
/// </summary>
public sealed class BadInputFixture : IAsyncLifetime
{
    private TestEnvironment? env;
    private LocalSiloCluster? cluster;

    public TestEnvironment Env => env ?? throw new InvalidOperationException("not started");

    public LocalSiloCluster Cluster => cluster ?? throw new InvalidOperationException("not started");

    public WatchHostProcess WatchHost { get; private set; } = null!;

    public string Namespace { get; private set; } = "";

    public JobOperatorDriver Driver { get; private set; } = null!;

    public UserDocuments Users => new(Env.Mongo.Client);

    public IKubernetes Kube => Env.Kube.Client;

    public async Task InitializeAsync()
    {
        env = await TestEnvironment.StartAsync();
        Namespace = await env.Kube.CreateNamespaceAsync("badinput");
        Driver = new JobOperatorDriver(env.Kube.Client, Namespace);
        var logs = Path.Combine(TestAssets.RepoRoot, ".build", "test-logs", "badinput-" + DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture));
        cluster = new LocalSiloCluster(PublishedApps.Locate(), env.Mongo.Url, logs);
        await cluster.StartSilosAsync(2);
        WatchHost = await cluster.StartWatchHostAsync(env.Kube.KubeconfigPath, Namespace, Namespace);
        await Eventually.UntilAsync(
            async ct => (await WatchHost.GetAsync("/readyz", ct)).Body.Contains("leader: informer synced", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the watch host leads");
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
