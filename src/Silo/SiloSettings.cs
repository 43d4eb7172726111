using System.Net;
using System.Text.RegularExpressions;
using AgentJobSync.Grains.Domain;
using AgentJobSync.ServiceDefaults;
using AgentJobSync.Silo.Clustering;
using k8s;
using Microsoft.Extensions.Configuration;
using MongoDB.Driver;

namespace AgentJobSync.Silo;

/// <summary>The silo's settings, read from environment variables or <c>--NAME value</c> flags and validated at start.</summary>
public sealed partial record SiloSettings(
    ClusteringMode Clustering,
    int HttpPort,
    int SiloPort,
    int GatewayPort,
    int PrimarySiloPort,
    string ClusterId,
    string ServiceId,
    string DatabaseUrl,
    PodIdentity? Pod,
    string? KubeconfigPath,
    bool DeleteDeadSiloPods,
    LivenessTimings Liveness,
    TimeSpan ShutdownTimeout,
    TimeSpan DrainDelay,
    FeatureFlags Flags)
{
    /// <summary>Never print the settings record itself: <see cref="DatabaseUrl"/> may hold a password.</summary>
    public override string ToString() =>
        $"SiloSettings {{ Clustering = {Clustering}, ClusterId = {ClusterId}, Pod = {Pod?.Namespace}/{Pod?.Name}, SiloPort = {SiloPort}, GatewayPort = {GatewayPort}, HttpPort = {HttpPort} }}";

    public static SiloSettings Read(IConfiguration configuration)
    {
        var reader = new SettingsReader(configuration);
        var clustering = ReadClustering(reader);
        var siloPort = reader.Port("SILO_PORT", 11111);
        var clusterId = reader.String("CLUSTER_ID", "agentjob-sync")!;
        var serviceId = reader.String("SERVICE_ID", "agentjob-sync")!;
        var databaseUrl = ReadDatabaseUrl(reader);
        PodIdentity? pod = null;
        string? kubeconfig = null;
        if (clustering == ClusteringMode.Kubernetes && !reader.Errors.Any(e => e.StartsWith("CLUSTERING ", StringComparison.Ordinal)))
        {
            pod = ReadPod(reader);
            kubeconfig = ReadKubeconfig(reader);
            // Kubernetes hosting writes both ids as labels on the silo's pod.
            LabelValue(reader, "CLUSTER_ID", clusterId);
            LabelValue(reader, "SERVICE_ID", serviceId);
        }

        var shutdownTimeout = reader.Duration("SHUTDOWN_TIMEOUT", TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        var gracePeriod = reader.Duration("TERMINATION_GRACE_PERIOD", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        if (shutdownTimeout >= gracePeriod)
        {
            reader.Invalid("SHUTDOWN_TIMEOUT", $"= {shutdownTimeout} must be shorter than TERMINATION_GRACE_PERIOD = {gracePeriod} (the pod's terminationGracePeriodSeconds), or the kubelet kills the silo before it has left the cluster");
        }

        var drainDelay = reader.Duration("DRAIN_DELAY", TimeSpan.FromSeconds(2), TimeSpan.Zero, TimeSpan.FromMinutes(5));
        if (drainDelay >= shutdownTimeout)
        {
            reader.Invalid("DRAIN_DELAY", $"= {drainDelay} must be shorter than SHUTDOWN_TIMEOUT = {shutdownTimeout}: the silo still has to leave the cluster after it");
        }

        var settings = new SiloSettings(
            Clustering: clustering,
            HttpPort: reader.Port("PORT", 8080),
            SiloPort: siloPort,
            GatewayPort: reader.Port("GATEWAY_PORT", 30000),
            PrimarySiloPort: reader.Port("PRIMARY_SILO_PORT", siloPort),
            ClusterId: clusterId,
            ServiceId: serviceId,
            DatabaseUrl: databaseUrl,
            Pod: pod,
            KubeconfigPath: kubeconfig,
            DeleteDeadSiloPods: ReadBoolean(reader, "DELETE_DEAD_SILO_PODS", fallback: false),
            Liveness: new LivenessTimings(
                ProbeTimeout: reader.Duration("PROBE_TIMEOUT", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(1)),
                MissedProbesLimit: reader.Integer("MISSED_PROBES_LIMIT", 3, 1, 10),
                DeathVotes: reader.Integer("DEATH_VOTES", 2, 1, 10),
                // Kept longer than any silo can stay frozen (a paused VM or process): one that wakes after its object is
                // gone could not see that it was declared dead.
                DefunctSiloRetention: reader.String("DEFUNCT_SILO_RETENTION") is null
                    ? null
                    : reader.Duration("DEFUNCT_SILO_RETENTION", TimeSpan.FromHours(1), TimeSpan.FromSeconds(10), TimeSpan.FromDays(7))),
            ShutdownTimeout: shutdownTimeout,
            DrainDelay: drainDelay,
            Flags: new FeatureFlags(
                NewJobs: reader.FeatureFlag("FEATURE_NEW_AGENT_JOBS"),
                InactiveJobs: reader.FeatureFlag("FEATURE_INACTIVE_AGENT_JOBS"),
                CompletedJobs: reader.FeatureFlag("FEATURE_COMPLETED_AGENT_JOBS"),
                ErrorJobs: reader.FeatureFlag("FEATURE_ERROR_AGENT_JOBS"),
                NodeStatusUpdates: reader.FeatureFlag("FEATURE_NODE_STATUS_UPDATES")));
        reader.ThrowIfInvalid();
        return settings;
    }

    private static ClusteringMode ReadClustering(SettingsReader reader)
    {
        var value = reader.String("CLUSTERING", "kubernetes")!;
        if (Enum.TryParse<ClusteringMode>(value, ignoreCase: true, out var mode) && Enum.IsDefined(mode) && !int.TryParse(value, out _))
        {
            return mode;
        }

        reader.Invalid("CLUSTERING", $"= \"{value}\": must be kubernetes (membership in OrleansSilo objects, pods) or localhost (silos on one machine)");
        return ClusteringMode.Kubernetes;
    }

    // The URL's content is never echoed: it may hold a password.
    private static string ReadDatabaseUrl(SettingsReader reader)
    {
        var url = reader.Required("DB_URL", "the MongoDB URL of the user documents (MongoDB 6+, replica set)");
        if (url.Length == 0)
        {
            return url;
        }

        try
        {
            _ = MongoUrl.Create(url);
        }
        catch (Exception e) when (e is MongoConfigurationException or ArgumentException or FormatException)
        {
            reader.Invalid("DB_URL", "is not a MongoDB connection string (mongodb://… or mongodb+srv://…); the value is not shown, it may hold a password");
        }

        return url;
    }

    private static PodIdentity? ReadPod(SettingsReader reader)
    {
        const string why = "with CLUSTERING=kubernetes; set it from the downward API (fieldRef ";
        var name = reader.Required("POD_NAME", why + "metadata.name)");
        var ns = reader.Required("POD_NAMESPACE", why + "metadata.namespace)");
        var ip = reader.Required("POD_IP", why + "status.podIP)");
        if (name.Length > 0 && (name.Length > 253 || !Dns1123Subdomain().IsMatch(name)))
        {
            reader.Invalid("POD_NAME", $"= \"{name}\": is not a pod name (DNS-1123 subdomain)");
        }

        if (ns.Length > 0 && (ns.Length > 63 || !Dns1123Label().IsMatch(ns)))
        {
            reader.Invalid("POD_NAMESPACE", $"= \"{ns}\": is not a namespace name (DNS-1123 label)");
        }

        IPAddress? address = null;
        if (ip.Length > 0 && !IPAddress.TryParse(ip, out address))
        {
            reader.Invalid("POD_IP", $"= \"{ip}\": is not an IP address");
        }

        return address is null || name.Length == 0 || ns.Length == 0 ? null : new PodIdentity(name, ns, address);
    }

    private static string? ReadKubeconfig(SettingsReader reader)
    {
        var path = reader.String("KUBECONFIG");
        if (path is null)
        {
            if (!KubernetesClientConfiguration.IsInCluster())
            {
                reader.Invalid("KUBECONFIG", "is required outside a pod: no in-cluster service account found (KUBERNETES_SERVICE_HOST and the token file)");
            }

            return null;
        }

        if (!File.Exists(path))
        {
            reader.Invalid("KUBECONFIG", $"= \"{path}\": no such file");
        }

        return path;
    }

    private static void LabelValue(SettingsReader reader, string name, string value)
    {
        if (value.Length > 63 || !LabelValuePattern().IsMatch(value))
        {
            reader.Invalid(name, $"= \"{value}\": must be a Kubernetes label value (at most 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit)");
        }
    }

    private static bool ReadBoolean(SettingsReader reader, string name, bool fallback)
    {
        var value = reader.String(name);
        if (value is null)
        {
            return fallback;
        }

        if (bool.TryParse(value, out var result))
        {
            return result;
        }

        reader.Invalid(name, $"= \"{value}\": must be true or false");
        return fallback;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex LabelValuePattern();
}
