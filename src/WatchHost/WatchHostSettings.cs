using System.Globalization;
using AgentJobSync.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace AgentJobSync.WatchHost;

/// <summary>
/// The watch host's settings, read from environment variables or <c>--NAME value</c> flags and validated at start, so a
/// bad deployment fails at once with one line per problem naming its variable instead of routing with surprising values.
/// </summary>
public sealed record WatchHostSettings(
    int HttpPort,
    GatewayMode Clustering,
    IReadOnlyList<int> GatewayPorts,
    string? MembershipNamespace,
    string ClusterId,
    string ServiceId,
    IReadOnlyList<string> Namespaces,
    int Workers,
    TimeSpan ResyncPeriod,
    LeaseSettings Lease,
    WatchSettings Watch)
{
    private const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    /// <summary>Reads and validates every setting; throws <see cref="SettingsException"/> listing every problem.</summary>
    public static WatchHostSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var reader = new SettingsReader(configuration);
        var lease = ReadLease(reader);
        var settings = new WatchHostSettings(
            HttpPort: reader.Port("PORT", 8081),
            Clustering: ReadClustering(reader),
            GatewayPorts: GatewayPortList(reader),
            MembershipNamespace: reader.String("MEMBERSHIP_NAMESPACE"),
            ClusterId: reader.String("CLUSTER_ID", "agentjob-sync")!,
            ServiceId: reader.String("SERVICE_ID", "agentjob-sync")!,
            Namespaces: [.. (reader.String("WATCH_NAMESPACES") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            Workers: ReadInt(reader, "WORKERS", 16, 1, 512),
            ResyncPeriod: reader.Duration("RESYNC_PERIOD", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            Lease: lease,
            Watch: WatchSettings.Read(reader));
        reader.ThrowIfInvalid();
        return settings;
    }

    // CLUSTERING: how the client finds the silos. Default: kubernetes inside a pod, localhost elsewhere.
    private static GatewayMode ReadClustering(SettingsReader reader)
    {
        var inPod = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"));
        var raw = reader.String("CLUSTERING", inPod ? "kubernetes" : "localhost")!;
        if (Enum.TryParse<GatewayMode>(raw, ignoreCase: true, out var mode) && Enum.IsDefined(mode))
        {
            return mode;
        }

        reader.Invalid("CLUSTERING", raw, "must be localhost (static GATEWAY_PORTS) or kubernetes (gateways from the membership objects)");
        return GatewayMode.Localhost;
    }

    private static LeaseSettings ReadLease(SettingsReader reader)
    {
        var duration = reader.Duration("LEASE_DURATION", TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5));
        var renew = reader.Duration("LEASE_RENEW_DEADLINE", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        var retry = reader.Duration("LEASE_RETRY_PERIOD", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        if (renew >= duration)
        {
            reader.Invalid("LEASE_RENEW_DEADLINE", renew.ToString(), "must be shorter than LEASE_DURATION, so a leader stops routing before a standby may take the lease");
        }

        if (retry >= renew)
        {
            reader.Invalid("LEASE_RETRY_PERIOD", retry.ToString(), "must be shorter than LEASE_RENEW_DEADLINE");
        }

        var identity = reader.String("POD_NAME") ?? Environment.MachineName;
        return new LeaseSettings(
            Name: reader.String("LEASE_NAME", "agentjob-sync-watchhost")!,
            Namespace: reader.String("LEASE_NAMESPACE") ?? reader.String("POD_NAMESPACE") ?? PodNamespace() ?? "default",
            Identity: identity,
            Duration: duration,
            RenewDeadline: renew,
            RetryPeriod: retry);
    }

    private static string? PodNamespace() =>
        File.Exists(ServiceAccountNamespaceFile) ? File.ReadAllText(ServiceAccountNamespaceFile).Trim() : null;

    private static int ReadInt(SettingsReader reader, string name, int fallback, int min, int max)
    {
        var raw = reader.String(name);
        if (raw is null)
        {
            return fallback;
        }

        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        reader.Invalid(name, raw, $"must be a whole number from {min} to {max}");
        return fallback;
    }

    // GATEWAY_PORTS: the silos' gateway ports on this machine, comma separated (localhost clustering).
    private static int[] GatewayPortList(SettingsReader reader)
    {
        var raw = reader.String("GATEWAY_PORTS", "30000")!;
        var ports = new List<int>();
        foreach (var part in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
            {
                ports.Add(port);
            }
            else
            {
                reader.Invalid("GATEWAY_PORTS", raw, "must be a comma-separated list of port numbers");
                return [];
            }
        }

        return [.. ports];
    }
}
