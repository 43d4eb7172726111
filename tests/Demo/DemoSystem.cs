using AgentJobSync.TestHarness;
using k8s;
using k8s.Models;

namespace AgentJobSync.Demo;

/// <summary>
/// Everything `make demo` and `make demo-check` run: control plane, database, three silos and one watch host, users'
/// documents, and the job-operator driver in the platform's namespace.
/// </summary>
internal sealed class DemoSystem : IAsyncDisposable
{
    public const string Namespace = "ea-platform";

    private DemoSystem(TestEnvironment env, LocalSiloCluster cluster, WatchHostProcess watchHost)
    {
        Env = env;
        Cluster = cluster;
        WatchHost = watchHost;
        Users = new UserDocuments(env.Mongo.Client);
        Driver = new JobOperatorDriver(env.Kube.Client, Namespace);
    }

    public TestEnvironment Env { get; }

    public LocalSiloCluster Cluster { get; }

    public WatchHostProcess WatchHost { get; }

    public UserDocuments Users { get; }

    /// <summary>The token the silos' dashboard accepts (log in at <c>/dashboard/login</c>).</summary>
    public string DashboardToken { get; private init; } = string.Empty;

    public JobOperatorDriver Driver { get; }

    public static async Task<DemoSystem> StartAsync(CancellationToken cancellationToken)
    {
        Console.WriteLine("demo: starting the control plane (etcd + kube-apiserver) and the MongoDB-wire server ...");
        var env = await TestEnvironment.StartAsync(withToxiproxy: false, cancellationToken);
        await env.Kube.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } }, cancellationToken: cancellationToken);
        Console.WriteLine("demo: starting 3 silos and the watch host ...");
        var cluster = new LocalSiloCluster(PublishedApps.Locate(), env.Mongo.Url, Path.Combine(TestAssets.RepoRoot, ".build", "demo-logs"));
        // The dashboard is protected by default; the demo makes a token of its own and prints it with the URL.
        var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        await cluster.StartSilosAsync(3, new Dictionary<string, string> { ["DASHBOARD_TOKEN"] = token });
        var watchHost = await cluster.StartWatchHostAsync(env.Kube.KubeconfigPath, Namespace, Namespace);
        await Eventually.UntilAsync(
            async ct => (await watchHost.GetAsync("/readyz", ct)).Status == 200, TimeSpan.FromSeconds(60), "the watch host is ready", cancellationToken);
        return new DemoSystem(env, cluster, watchHost) { DashboardToken = token };
    }

    /// <summary>How many of <paramref name="jobs"/> have exactly their entry, in their owner's document, with their state.</summary>
    public async Task<int> InSyncAsync(IReadOnlyList<OperatorJob> jobs, CancellationToken cancellationToken)
    {
        var entries = await Users.EntriesAsync(cancellationToken);
        return jobs.Count(j => entries.TryGetValue(j.Uid, out var e) && e.Owner == j.Owner && UserDocuments.Status(e.Entry) == j.ExpectedStatus);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Env.DisposeAsync();
    }
}
