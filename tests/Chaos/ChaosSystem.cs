using System.Globalization;
using AgentJobSync.Clustering.Kubernetes.Hosting;
using AgentJobSync.TestHarness;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace AgentJobSync.Chaos;

/// <summary>
/// One run's system in production's shape: the control plane; Toxiproxy in front of the API server (every request of
/// the silos and watch hosts: membership writes, watches, Events) and in front of the database (the silos' way to it);
/// silo pods with the Kubernetes membership; 2 watch hosts leader-electing on the Lease and finding the silos' gateways
/// in the membership; the job-operator driver and an Orleans client (for replayed observations), both direct.
/// </summary>
internal sealed class ChaosSystem : IAsyncDisposable
{
    public const string Namespace = "ea-platform";
    public const string ClusterId = "chaos";

    /// <summary>How long the membership object of a dead silo is kept (the silos' DEFUNCT_SILO_RETENTION).</summary>
    public static readonly TimeSpan DeadSiloRetention = TimeSpan.FromSeconds(30);

    private readonly IHost client;
    private readonly LocalSiloCluster watchHostLauncher;
    private readonly string proxiedKubeconfig;
    private readonly CrashLoop crashLoop;
    private readonly Lock gate = new();
    private readonly List<WatchHostProcess> watchHosts = [];
    private int unplannedWatchHostRestarts;

    private ChaosSystem(
        TestEnvironment env, ToxicProxy apiServer, ToxicProxy database, ChaosSilos silos, LocalSiloCluster watchHostLauncher,
        string proxiedKubeconfig, CrashLoop crashLoop, IHost client, string logs)
    {
        this.crashLoop = crashLoop;
        Env = env;
        ApiServer = apiServer;
        Database = database;
        Silos = silos;
        this.watchHostLauncher = watchHostLauncher;
        this.proxiedKubeconfig = proxiedKubeconfig;
        this.client = client;
        Logs = logs;
        Users = new UserDocuments(env.Mongo.Client);
        Driver = new JobOperatorDriver(env.Kube.Client, Namespace);
        Membership = new MembershipObserver(env.Kube.Client, Namespace, ClusterId);
    }

    public TestEnvironment Env { get; }

    /// <summary>The silos' and watch hosts' way to the API server: disable for a blackout, add latency.</summary>
    public ToxicProxy ApiServer { get; }

    /// <summary>The silos' way to the database: disable for a blackout, add latency, cut replies.</summary>
    public ToxicProxy Database { get; }

    public ChaosSilos Silos { get; }

    public MembershipObserver Membership { get; }

    public UserDocuments Users { get; }

    public JobOperatorDriver Driver { get; }

    /// <summary>This seed's folder: every process's log, and the final documents of a failed run.</summary>
    public string Logs { get; }

    public int UnplannedWatchHostRestarts => Volatile.Read(ref unplannedWatchHostRestarts);

    /// <summary>Silos and watch hosts that exited while starting (the control plane away) and were started again.</summary>
    public int StartCrashes => crashLoop.Crashes;

    public IGrainFactory Grains => client.Services.GetRequiredService<IClusterClient>();

    public static async Task<ChaosSystem> StartAsync(int seed, int siloCount, Action<string> log, CancellationToken cancellationToken)
    {
        var env = await TestEnvironment.StartAsync(withToxiproxy: true, cancellationToken);
        ChaosSilos? silos = null;
        LocalSiloCluster? launcher = null;
        try
        {
            var kube = env.Kube;
            await kube.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } }, cancellationToken: cancellationToken);
            var apiServer = await env.Faults!.AddProxyAsync("apiserver", $"127.0.0.1:{Text(kube.ApiServerPort)}", cancellationToken);
            var database = await env.Faults.AddProxyAsync("silo-db", $"127.0.0.1:{Text(env.Mongo.Proxy.Port)}", cancellationToken);
            var proxiedKubeconfig = kube.WriteKubeconfig(Path.Combine(kube.Directory, "kubeconfig-through-toxiproxy"), $"https://127.0.0.1:{Text(apiServer.Port)}");
            var logs = Path.Combine(TestAssets.RepoRoot, ".build", "chaos-logs", "seed-" + Text(seed));
            if (Directory.Exists(logs))
            {
                Directory.Delete(logs, recursive: true);
            }

            Directory.CreateDirectory(logs);
            var apps = PublishedApps.Locate();
            var setup = new SiloPodSetup(apps, proxiedKubeconfig, MongoWire.UrlForPort(database.Port), "agentjob-sync", logs);
            var siloEnvironment = new Dictionary<string, string>
            {
                ["DEFUNCT_SILO_RETENTION"] = DeadSiloRetention.ToString("c", CultureInfo.InvariantCulture),
            };
            var crashLoop = new CrashLoop(log);
            silos = new ChaosSilos(setup, kube.Client, Namespace, ClusterId, siloEnvironment, crashLoop, log);
            await silos.StartAsync(siloCount, cancellationToken);

            // Only its watch-host launcher is used: the silos are pods above, found by the watch hosts in the membership.
            launcher = new LocalSiloCluster(apps, setup.DatabaseUrl, logs);
            var orleans = await StartClientAsync(kube.KubeconfigPath, cancellationToken);
            var system = new ChaosSystem(env, apiServer, database, silos, launcher, proxiedKubeconfig, crashLoop, orleans, logs);
            for (var i = 0; i < 2; i++)
            {
                await system.AddWatchHostAsync();
            }

            await Eventually.UntilAsync(async ct => await system.LeaderAsync(ct) is not null, TimeSpan.FromSeconds(90), "a watch host leads", cancellationToken);
            return system;
        }
        catch
        {
            if (launcher is not null)
            {
                await launcher.DisposeAsync();
            }

            if (silos is not null)
            {
                await silos.DisposeAsync();
            }

            await env.DisposeAsync();
            throw;
        }
    }

    /// <summary>The running watch hosts.</summary>
    public IReadOnlyList<WatchHostProcess> WatchHosts
    {
        get
        {
            lock (gate)
            {
                return [.. watchHosts];
            }
        }
    }

    /// <summary>Starts one more watch host (a new pod of its Deployment) and waits until it campaigns for the lease.</summary>
    public async Task AddWatchHostAsync()
    {
        var host = await crashLoop.StartAsync("a watch host", () => watchHostLauncher.StartWatchHostAsync(proxiedKubeconfig, Namespace, Namespace, new Dictionary<string, string>
        {
            ["CLUSTERING"] = "kubernetes",
            ["MEMBERSHIP_NAMESPACE"] = Namespace,
            ["CLUSTER_ID"] = ClusterId,
        }));
        lock (gate)
        {
            watchHosts.Add(host);
        }
    }

    /// <summary>Takes <paramref name="host"/> out of the running set (a fault is about to kill it).</summary>
    public bool Remove(WatchHostProcess host)
    {
        lock (gate)
        {
            return watchHosts.Remove(host);
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
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // not answering: not the leader
            }
        }

        return null;
    }

    /// <summary>The Deployment's part for the watch hosts: one that exited on its own is replaced.</summary>
    public async Task SuperviseWatchHostsAsync(Action<string> log, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(500, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var host in WatchHosts.Where(h => h.Process.HasExited))
            {
                if (!Remove(host))
                {
                    continue;
                }

                log($"{host.Identity} exited on its own; starting another");
                try
                {
                    await AddWatchHostAsync();
                    Interlocked.Increment(ref unplannedWatchHostRestarts);
                }
#pragma warning disable CA1031 // Tried again at the next round only if hosts are missing; logged.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    log($"starting a watch host failed: {e.Message}");
                }
            }
        }
    }

    /// <summary>Everything healthy again: both proxies open and clean, every silo and 2 watch hosts running, a leader.</summary>
    public async Task HealAsync(CancellationToken cancellationToken)
    {
        foreach (var proxy in new[] { ApiServer, Database })
        {
            await proxy.EnableAsync(cancellationToken);
            await proxy.RemoveToxicsAsync(cancellationToken);
        }

        await Silos.AllRunningAsync(TimeSpan.FromSeconds(180), cancellationToken);
        while (WatchHosts.Count < 2)
        {
            await AddWatchHostAsync();
        }

        await Eventually.UntilAsync(async ct => await LeaderAsync(ct) is not null, TimeSpan.FromSeconds(90), "a watch host leads", cancellationToken);
    }

    /// <summary>Copies the control plane's and Toxiproxy's logs into <see cref="Logs"/> (they live in folders deleted at the end).</summary>
    public void KeepServerLogs()
    {
        foreach (var directory in new[] { Env.Kube.Directory, Env.Faults!.Directory })
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*.log"))
            {
                File.Copy(file, Path.Combine(Logs, Path.GetFileName(file)), overwrite: true);
            }
        }
    }

    private static async Task<IHost> StartClientAsync(string kubeconfig, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(c => c
            .Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = "agentjob-sync";
            })
            .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2))
            .UseKubernetesGatewayList(o =>
            {
                o.KubeconfigPath = kubeconfig;
                o.Namespace = Namespace;
            }));
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await client.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            client.Dispose();
            await watchHostLauncher.DisposeAsync();
            await Silos.DisposeAsync();
            await Env.DisposeAsync();
        }
    }
}
