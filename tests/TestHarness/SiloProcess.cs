using System.Globalization;
using System.Net;

namespace AgentJobSync.TestHarness;

/// <summary>
/// The published silo as a pod would run it: Kubernetes clustering, the downward API's POD_NAME/POD_NAMESPACE/POD_IP,
/// a kubeconfig (no service account outside a pod), the database and its own ports. Started again on the same
/// <see cref="Ports"/>, it is the pod's container restarted: a new incarnation of the same silo address.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private SiloProcess(string podName, SiloPorts ports, ManagedProcess process)
    {
        PodName = podName;
        Ports = ports;
        Process = process;
    }

    public string PodName { get; }

    public SiloPorts Ports { get; }

    public int HttpPort => Ports.HttpPort;

    public int SiloPort => Ports.SiloPort;

    public int GatewayPort => Ports.GatewayPort;

    public ManagedProcess Process { get; }

    /// <summary>The environment a pod of this silo would get (the chart's values plus the downward API).</summary>
    public static Dictionary<string, string> PodEnvironment(SiloPodSetup setup, string ns, string clusterId, string podName)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return new()
        {
            ["CLUSTERING"] = "kubernetes",
            ["POD_NAME"] = podName,
            ["POD_NAMESPACE"] = ns,
            ["POD_IP"] = "127.0.0.1",
            ["KUBECONFIG"] = setup.KubeconfigPath,
            ["DB_URL"] = setup.DatabaseUrl,
            ["CLUSTER_ID"] = clusterId,
            ["SERVICE_ID"] = setup.ServiceId,
        };
    }

    /// <summary>
    /// Starts the silo of pod <paramref name="podName"/> (the pod must exist) on <paramref name="ports"/> (new free ports
    /// when null) and waits until it hosts grains; <paramref name="extra"/> adds or overrides variables. The log is
    /// <c>&lt;ns&gt;-&lt;pod&gt;.log</c>, or <c>&lt;ns&gt;-&lt;pod&gt;.&lt;logSuffix&gt;.log</c>.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(
        SiloPodSetup setup, string ns, string clusterId, string podName, IReadOnlyDictionary<string, string>? extra = null,
        SiloPorts? ports = null, string? logSuffix = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ports ??= new SiloPorts(PortAllocator.GetFreeTcpPort(), PortAllocator.GetFreeTcpPort(), PortAllocator.GetFreeTcpPort());
        var env = PodEnvironment(setup, ns, clusterId, podName);
        env["PORT"] = Invariant(ports.HttpPort);
        env["SILO_PORT"] = Invariant(ports.SiloPort);
        env["GATEWAY_PORT"] = Invariant(ports.GatewayPort);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        var log = Path.Combine(setup.LogDirectory, logSuffix is null ? $"{ns}-{podName}.log" : $"{ns}-{podName}.{logSuffix}.log");
        var process = ManagedProcess.Start("dotnet", [setup.Apps.SiloDll], log, env);
        var silo = new SiloProcess(podName, ports, process);
        try
        {
            await process.WaitForOutputAsync(line => line.Contains("hosting AgentJob grains", StringComparison.Ordinal), StartTimeout).ConfigureAwait(false);
        }
        catch
        {
            await silo.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return silo;
    }

    /// <summary>Whether <paramref name="runtimeIdentity"/> (a grain's <c>RuntimeIdentity</c>, <c>S127.0.0.1:PORT:GEN</c>) is this silo.</summary>
    public bool Hosts(string? runtimeIdentity) =>
        runtimeIdentity is not null && runtimeIdentity.Split(':') is [_, var port, _] && port == Invariant(SiloPort);

    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{Invariant(HttpPort)}{path}"), cancellationToken).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
