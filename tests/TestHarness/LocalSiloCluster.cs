using System.Globalization;

namespace AgentJobSync.TestHarness;

/// <summary>
/// The published silo and watch host as processes on this machine: silos with localhost clustering
/// (<c>CLUSTERING=localhost</c>, the first one primary) and watch hosts connected to them through <c>GATEWAY_PORTS</c>,
/// each pointed at a kubeconfig. Watch hosts can be added, stopped (SIGTERM) and killed (SIGKILL) one by one.
/// </summary>
public sealed class LocalSiloCluster(PublishedApps apps, string databaseUrl, string logDirectory) : IAsyncDisposable
{
    private readonly List<ManagedProcess> silos = [];
    private readonly List<Dictionary<string, string>> siloEnvironments = [];
    private readonly Dictionary<int, int> siloRestarts = [];
    private readonly List<ManagedProcess> everything = [];
    private int watchHosts;

    /// <summary>The silos' ports.</summary>
    public List<SiloPorts> Silos { get; } = [];

    /// <summary>The log folder.</summary>
    public string LogDirectory => logDirectory;

    /// <summary>Starts <paramref name="count"/> silos and waits until each hosts grains; <paramref name="environment"/> adds variables (feature flags).</summary>
    public async Task StartSilosAsync(int count, IReadOnlyDictionary<string, string>? environment = null)
    {
        Directory.CreateDirectory(logDirectory);
        for (var i = 0; i < count; i++)
        {
            Silos.Add(new SiloPorts(PortAllocator.GetFreeTcpPort(), PortAllocator.GetFreeTcpPort(), PortAllocator.GetFreeTcpPort()));
        }

        var primary = Silos[0].SiloPort;
        foreach (var (silo, i) in Silos.Select((s, i) => (s, i)))
        {
            var env = new Dictionary<string, string>
            {
                ["CLUSTERING"] = "localhost",
                ["PORT"] = Text(silo.HttpPort),
                ["SILO_PORT"] = Text(silo.SiloPort),
                ["GATEWAY_PORT"] = Text(silo.GatewayPort),
                ["PRIMARY_SILO_PORT"] = Text(primary),
                ["DB_URL"] = databaseUrl,
            };
            foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            {
                env[key] = value;
            }

            var process = ManagedProcess.Start("dotnet", [apps.SiloDll], Path.Combine(logDirectory, $"silo-{i + 1}.log"), env);
            silos.Add(process);
            siloEnvironments.Add(env);
            everything.Add(process);
            await process.WaitForOutputAsync(line => line.Contains("hosting AgentJob grains", StringComparison.Ordinal), TimeSpan.FromSeconds(90)).ConfigureAwait(false);
        }
    }

    /// <summary>The running process of silo <paramref name="index"/> (0-based; 0 is the primary).</summary>
    public ManagedProcess Silo(int index) => silos[index];

    /// <summary>SIGKILLs silo <paramref name="index"/> and waits until it has exited.</summary>
    public async Task KillSiloAsync(int index)
    {
        var process = silos[index];
        process.Kill();
        await process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Starts silo <paramref name="index"/> again on the same ports (a new incarnation; Orleans declares the old one dead)
    /// and waits until it hosts grains. Its log goes to <c>silo-N.restart-K.log</c>.
    /// </summary>
    public async Task RestartSiloAsync(int index)
    {
        var restart = siloRestarts[index] = siloRestarts.GetValueOrDefault(index) + 1;
        var log = Path.Combine(logDirectory, $"silo-{index + 1}.restart-{restart}.log");
        var process = ManagedProcess.Start("dotnet", [apps.SiloDll], log, siloEnvironments[index]);
        silos[index] = process;
        everything.Add(process);
        await process.WaitForOutputAsync(line => line.Contains("hosting AgentJob grains", StringComparison.Ordinal), TimeSpan.FromSeconds(90)).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a watch host (identity <c>watchhost-N</c>) with <paramref name="kubeconfig"/>, watching
    /// <paramref name="namespaces"/>, and waits until it campaigns; <paramref name="environment"/> overrides variables.
    /// </summary>
    public async Task<WatchHostProcess> StartWatchHostAsync(string kubeconfig, string namespaces, string leaseNamespace, IReadOnlyDictionary<string, string>? environment = null)
    {
        var n = Interlocked.Increment(ref watchHosts);
        var identity = $"watchhost-{n}";
        var port = PortAllocator.GetFreeTcpPort();
        var env = new Dictionary<string, string>
        {
            ["CLUSTERING"] = "localhost",
            ["PORT"] = Text(port),
            ["GATEWAY_PORTS"] = string.Join(",", Silos.Select(s => s.GatewayPort)),
            ["KUBECONFIG"] = kubeconfig,
            ["WATCH_NAMESPACES"] = namespaces,
            ["LEASE_NAMESPACE"] = leaseNamespace,
            ["POD_NAME"] = identity,
            ["LEASE_DURATION"] = "00:00:06",
            ["LEASE_RENEW_DEADLINE"] = "00:00:04",
            ["LEASE_RETRY_PERIOD"] = "00:00:01",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        var process = ManagedProcess.Start("dotnet", [apps.WatchHostDll], Path.Combine(logDirectory, $"{identity}.log"), env);
        everything.Add(process);
        await process.WaitForOutputAsync(line => line.Contains("campaigning for the lease", StringComparison.Ordinal), TimeSpan.FromSeconds(90)).ConfigureAwait(false);
        return new WatchHostProcess(identity, port, process);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        for (var i = everything.Count - 1; i >= 0; i--)
        {
            await everything[i].DisposeAsync().ConfigureAwait(false);
        }
    }
}
