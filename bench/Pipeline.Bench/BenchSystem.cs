using System.Net;
using AgentJobSync.TestHarness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;

namespace AgentJobSync.Bench;

/// <summary>
/// What the bench and the soak run against: the real API server and database, the shipped processes (3 silos and one
/// watch host, which wins the lease at once) on the same database proxy, and an Orleans client to ask the grains.
/// </summary>
internal sealed class BenchSystem : IAsyncDisposable
{
    private BenchSystem(TestEnvironment env, string ns, LocalSiloCluster cluster, WatchHostProcess watchHost, IHost client)
    {
        Env = env;
        Namespace = ns;
        Cluster = cluster;
        WatchHost = watchHost;
        Client = client;
        Users = new UserDocuments(env.Mongo.Client);
    }

    public TestEnvironment Env { get; }

    public string Namespace { get; }

    public LocalSiloCluster Cluster { get; }

    public WatchHostProcess WatchHost { get; private set; }

    public IHost Client { get; }

    public IClusterClient Orleans => Client.Services.GetRequiredService<IClusterClient>();

    public UserDocuments Users { get; }

    public IReadOnlyList<int> SiloPorts => [.. Cluster.Silos.Select(s => s.HttpPort)];

    public IReadOnlyList<int> SiloPids => [.. Enumerable.Range(0, Cluster.Silos.Count).Select(i => Cluster.Silo(i).Pid)];

    public IReadOnlyList<int> Pids => [.. SiloPids, WatchHost.Process.Pid];

    public IReadOnlyList<int> HttpPorts => [.. SiloPorts, WatchHost.HttpPort];

    /// <summary>Starts the control plane and database; <paramref name="beforeProcesses"/> runs before the processes start (the raw rates).</summary>
    public static async Task<BenchSystem> StartAsync(Func<TestEnvironment, string, Task> beforeProcesses)
    {
        var env = await TestEnvironment.StartAsync();
        var ns = await env.Kube.CreateNamespaceAsync("bench");
        await beforeProcesses(env, ns);
        var logs = Path.Combine(TestAssets.RepoRoot, ".build", "bench-logs");
        var apps = PublishedApps.Locate();
        var cluster = new LocalSiloCluster(apps, env.Mongo.Url, logs);
        await cluster.StartSilosAsync(3, ContentRoot(apps));
        var watchHost = await cluster.StartWatchHostAsync(env.Kube.KubeconfigPath, ns, ns, ContentRoot(apps));
        var client = Host.CreateDefaultBuilder()
            .UseOrleansClient(c => c.UseStaticClustering([.. cluster.Silos.Select(s => new IPEndPoint(IPAddress.Loopback, s.GatewayPort))])
                .Configure<Orleans.Configuration.ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("agentjob-sync", "agentjob-sync")))
            .ConfigureLogging(l => l.ClearProviders())
            .Build();
        await client.StartAsync();
        return new BenchSystem(env, ns, cluster, watchHost, client);
    }

    /// <summary>Stops the watch host (SIGTERM), runs <paramref name="whileDown"/>, and starts a new one: a new term lists everything again.</summary>
    public async Task RestartWatchHostAsync(Func<Task> whileDown)
    {
        WatchHost.Process.Terminate();
        await WatchHost.Process.WaitForExitAsync();
        await whileDown();
        WatchHost = await Cluster.StartWatchHostAsync(Env.Kube.KubeconfigPath, Namespace, Namespace, ContentRoot(PublishedApps.Locate()));
    }

    // The processes' content root is their own directory, as in the image (WORKDIR /app), not the repository the bench
    // runs in: the host watches its content root for configuration changes, and every file the bench, its logs and
    // other builds write under the repository woke that watcher in each process (seen in the CPU traces).
    private static Dictionary<string, string> ContentRoot(PublishedApps apps) =>
        new() { ["DOTNET_CONTENTROOT"] = Path.GetDirectoryName(apps.SiloDll)! };

    /// <summary>The managed heaps of <paramref name="ports"/> after their last collections, in bytes.</summary>
    public static Task<double> HeapBytesAsync(IEnumerable<int> ports) => Scrape.SumAsync(ports, "dotnet_gc_last_collection_heap_size_bytes");

    /// <summary>The memory the GCs of <paramref name="ports"/> held committed after their last collections, in bytes.</summary>
    public static Task<double> GcCommittedBytesAsync(IEnumerable<int> ports) => Scrape.SumAsync(ports, "dotnet_gc_last_collection_memory_committed_size_bytes");

    public async ValueTask DisposeAsync()
    {
        await Client.StopAsync();
        Client.Dispose();
        await Cluster.DisposeAsync();
        await Env.DisposeAsync();
    }
}
