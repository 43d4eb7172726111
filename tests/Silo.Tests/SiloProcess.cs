using System.Globalization;
using System.Net;
using AgentJobSync.TestHarness;

namespace AgentJobSync.Silo.Tests;

/// <summary>
/// The published silo as a pod would run it: Kubernetes clustering, the downward API's POD_NAME/POD_NAMESPACE/POD_IP,
/// a kubeconfig (no service account outside a pod), the database and its own ports.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private SiloProcess(string podName, int httpPort, int siloPort, int gatewayPort, ManagedProcess process)
    {
        PodName = podName;
        HttpPort = httpPort;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        Process = process;
    }

    public string PodName { get; }

    public int HttpPort { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public ManagedProcess Process { get; }

    /// <summary>The environment a pod of this silo would get (the chart's values plus the downward API).</summary>
    public static Dictionary<string, string> PodEnvironment(SiloFixture fixture, string ns, string clusterId, string podName) => new()
    {
        ["CLUSTERING"] = "kubernetes",
        ["POD_NAME"] = podName,
        ["POD_NAMESPACE"] = ns,
        ["POD_IP"] = "127.0.0.1",
        ["KUBECONFIG"] = fixture.Kube.KubeconfigPath,
        ["DB_URL"] = fixture.Mongo.Url,
        ["CLUSTER_ID"] = clusterId,
        ["SERVICE_ID"] = "silo-tests",
    };

    public static async Task<SiloProcess> StartAsync(
        SiloFixture fixture, string ns, string clusterId, string podName, IReadOnlyDictionary<string, string>? extra = null)
    {
        var httpPort = PortAllocator.GetFreeTcpPort();
        var siloPort = PortAllocator.GetFreeTcpPort();
        var gatewayPort = PortAllocator.GetFreeTcpPort();
        var env = PodEnvironment(fixture, ns, clusterId, podName);
        env["PORT"] = Invariant(httpPort);
        env["SILO_PORT"] = Invariant(siloPort);
        env["GATEWAY_PORT"] = Invariant(gatewayPort);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        var log = Path.Combine(fixture.LogDirectory, $"{ns}-{podName}.log");
        var process = ManagedProcess.Start("dotnet", [fixture.Apps.SiloDll], log, env);
        var silo = new SiloProcess(podName, httpPort, siloPort, gatewayPort, process);
        try
        {
            await process.WaitForOutputAsync(line => line.Contains("hosting AgentJob grains", StringComparison.Ordinal), StartTimeout);
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }

        return silo;
    }

    /// <summary>Whether <paramref name="runtimeIdentity"/> (a grain's <c>RuntimeIdentity</c>, <c>S127.0.0.1:PORT:GEN</c>) is this silo.</summary>
    public bool Hosts(string? runtimeIdentity) =>
        runtimeIdentity is not null && runtimeIdentity.Split(':') is [_, var port, _] && port == Invariant(SiloPort);

    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}{path}"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
