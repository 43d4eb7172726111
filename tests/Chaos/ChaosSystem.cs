using System.Globalization;
using System.Net;
using AgentJobSync.TestHarness;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace AgentJobSync.Chaos;

/// <summary>
/// One run's system: control plane, the database (its own serializing proxy for the test's readers and the managers,
/// a Toxiproxy proxy in front of it for the silos), 3 silos, 2 leader-electing watch hosts, the job-operator driver
/// and an Orleans client (for injected duplicate and reordered observations).
/// </summary>
internal sealed class ChaosSystem : IAsyncDisposable
{
    public const string Namespace = "ea-platform";

    private readonly IHost client;

    private ChaosSystem(TestEnvironment env, ToxicProxy database, LocalSiloCluster cluster, List<WatchHostProcess> watchHosts, IHost client, string logs)
    {
        Env = env;
        Database = database;
        Cluster = cluster;
        WatchHosts = watchHosts;
        this.client = client;
        Logs = logs;
        Users = new UserDocuments(env.Mongo.Client);
        Driver = new JobOperatorDriver(env.Kube.Client, Namespace);
    }

    public TestEnvironment Env { get; }

    /// <summary>The silos' way to the database: disable for a blackout, add latency.</summary>
    public ToxicProxy Database { get; }

    public LocalSiloCluster Cluster { get; }

    /// <summary>The running watch hosts (a killed one is replaced by a new one).</summary>
    public List<WatchHostProcess> WatchHosts { get; }

    public UserDocuments Users { get; }

    public JobOperatorDriver Driver { get; }

    public string Logs { get; }

    public IGrainFactory Grains => client.Services.GetRequiredService<IClusterClient>();

    public static async Task<ChaosSystem> StartAsync(int seed, CancellationToken cancellationToken)
    {
        var env = await TestEnvironment.StartAsync(withToxiproxy: true, cancellationToken);
        try
        {
            await env.Kube.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } }, cancellationToken: cancellationToken);
            var database = await env.Faults!.AddProxyAsync("silo-db", $"127.0.0.1:{env.Mongo.Proxy.Port.ToString(CultureInfo.InvariantCulture)}", cancellationToken);
            var logs = Path.Combine(TestAssets.RepoRoot, ".build", "chaos-logs", "seed-" + seed.ToString(CultureInfo.InvariantCulture));
            if (Directory.Exists(logs))
            {
                Directory.Delete(logs, recursive: true);
            }

            var cluster = new LocalSiloCluster(PublishedApps.Locate(), MongoWire.UrlForPort(database.Port), logs);
            await cluster.StartSilosAsync(3);
            var hosts = new List<WatchHostProcess>();
            for (var i = 0; i < 2; i++)
            {
                hosts.Add(await cluster.StartWatchHostAsync(env.Kube.KubeconfigPath, Namespace, Namespace));
            }

            var orleans = await StartClientAsync(cluster, cancellationToken);
            var system = new ChaosSystem(env, database, cluster, hosts, orleans, logs);
            await Eventually.UntilAsync(async ct => await system.LeaderAsync(ct) is not null, TimeSpan.FromSeconds(60), "a watch host leads", cancellationToken);
            return system;
        }
        catch
        {
            await env.DisposeAsync();
            throw;
        }
    }

    /// <summary>The watch host that leads with a synced informer now, or null.</summary>
    public async Task<WatchHostProcess?> LeaderAsync(CancellationToken cancellationToken)
    {
        foreach (var host in WatchHosts)
        {
            try
            {
                if ((await host.GetAsync("/readyz", cancellationToken)).Body.Contains("leader: informer synced", StringComparison.Ordinal))
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
                // not answering: not the leader
            }
        }

        return null;
    }

    private static async Task<IHost> StartClientAsync(LocalSiloCluster cluster, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(c =>
        {
            c.UseStaticClustering([.. cluster.Silos.Select(s => new IPEndPoint(IPAddress.Loopback, s.GatewayPort))]);
            c.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = "agentjob-sync";
                o.ServiceId = "agentjob-sync";
            });
        });
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await client.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            client.Dispose();
            await Cluster.DisposeAsync();
            await Env.DisposeAsync();
        }
    }
}
