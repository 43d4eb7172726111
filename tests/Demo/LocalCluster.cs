using AgentJobSync.TestHarness;

namespace AgentJobSync.Demo;

/// <summary>Silo processes clustered on localhost and one watch host connected to them as an Orleans client.</summary>
internal sealed class LocalCluster(PublishedApps apps, int siloCount, string databaseUrl) : IAsyncDisposable
{
    private readonly List<ManagedProcess> _processes = [];

    public List<SiloPorts> Silos { get; } = [];

    public int WatchHostHttpPort { get; private set; }

    public async Task StartAsync()
    {
        var logs = Path.Combine(TestAssets.RepoRoot, ".build", "demo-logs");
        Directory.CreateDirectory(logs);
        for (var i = 0; i < siloCount; i++)
        {
            Silos.Add(new SiloPorts(PortAllocator.GetFreeTcpPort(), PortAllocator.GetFreeTcpPort(), PortAllocator.GetFreeTcpPort()));
        }

        var primary = Silos[0].SiloPort;
        foreach (var (silo, i) in Silos.Select((s, i) => (s, i)))
        {
            var env = new Dictionary<string, string>
            {
                ["PORT"] = silo.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["SILO_PORT"] = silo.SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["GATEWAY_PORT"] = silo.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["PRIMARY_SILO_PORT"] = primary.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["DB_URL"] = databaseUrl,
                ["CLUSTERING"] = "localhost",
            };
            var process = ManagedProcess.Start("dotnet", [apps.SiloDll], Path.Combine(logs, $"silo-{i + 1}.log"), env);
            _processes.Add(process);
            await process.WaitForOutputAsync(line => line.Contains("hosting AgentJob grains", StringComparison.Ordinal), TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        }

        WatchHostHttpPort = PortAllocator.GetFreeTcpPort();
        var watchHost = ManagedProcess.Start("dotnet", [apps.WatchHostDll], Path.Combine(logs, "watchhost.log"), new Dictionary<string, string>
        {
            ["PORT"] = WatchHostHttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_PORTS"] = string.Join(",", Silos.Select(s => s.GatewayPort)),
        });
        _processes.Add(watchHost);
        await watchHost.WaitForOutputAsync(line => line.Contains("connected to Orleans cluster", StringComparison.Ordinal), TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync().ConfigureAwait(false);
        }
    }
}

internal sealed record SiloPorts(int HttpPort, int SiloPort, int GatewayPort);
