using System.Net;
using AgentJobSync.Clustering.Kubernetes;
using AgentJobSync.Clustering.Kubernetes.Hosting;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;

namespace AgentJobSync.Silo.Clustering;

/// <summary>Wires the silo's membership, endpoints and liveness timings from <see cref="SiloSettings"/>.</summary>
public static class SiloClusteringRegistration
{
    public static ISiloBuilder UseConfiguredClustering(this ISiloBuilder silo, SiloSettings settings)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(settings);
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = settings.Liveness.ProbeTimeout;
            o.NumMissedProbesLimit = settings.Liveness.MissedProbesLimit;
            o.NumVotesForDeathDeclaration = settings.Liveness.DeathVotes;
            if (settings.Liveness.DefunctSiloRetention is { } retention)
            {
                // One age for both Orleans rules (expiry, and the minimum kept so that a late silo still sees itself dead).
                // Orleans deletes expired dead objects at membership changes (the first active silo does): a quiet
                // cluster keeps its last ones until the next join or leave.
                o.DefunctSiloExpiration = retention;
                o.DefunctSiloMinimumRetention = retention;
                o.DefunctSiloCleanupPeriod = retention / 2;
            }
        });
        return settings.Clustering switch
        {
            ClusteringMode.Localhost => silo.UseLocalhostClustering(
                siloPort: settings.SiloPort,
                gatewayPort: settings.GatewayPort,
                primarySiloEndpoint: new IPEndPoint(IPAddress.Loopback, settings.PrimarySiloPort),
                serviceId: settings.ServiceId,
                clusterId: settings.ClusterId),
            ClusteringMode.Kubernetes => UseKubernetes(silo, settings, settings.Pod!),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Clustering, "unknown clustering mode"),
        };
    }

    private static ISiloBuilder UseKubernetes(ISiloBuilder silo, SiloSettings settings, PodIdentity pod)
    {
        // Orleans' Kubernetes hosting reads the pod's identity from these variables itself (its options have no public
        // setters); a value given as a --flag is copied there so that both read the same pod.
        Environment.SetEnvironmentVariable(KubernetesHostingOptions.PodNameEnvironmentVariable, pod.Name);
        Environment.SetEnvironmentVariable(KubernetesHostingOptions.PodNamespaceEnvironmentVariable, pod.Namespace);
        Environment.SetEnvironmentVariable(KubernetesHostingOptions.PodIPEnvironmentVariable, pod.Address.ToString());
        return silo
            .Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            })
            // Advertise POD_IP explicitly: Orleans' own endpoint defaults (a post-configure registered before Kubernetes
            // hosting's) would otherwise pick the machine's first address, and Kubernetes hosting only fills an empty one.
            // Kubernetes hosting then makes the silo listen on every address at these ports.
            .Configure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = pod.Address;
                o.SiloPort = settings.SiloPort;
                o.GatewayPort = settings.GatewayPort;
            })
            .UseKubernetesMembership(o =>
            {
                o.Namespace = pod.Namespace;
                o.KubeconfigPath = settings.KubeconfigPath;
            })
            .UseKubernetesHosting(options => options.Configure(o =>
            {
                o.GetClientConfiguration = () => KubernetesApiClient.Configuration(settings.KubeconfigPath);
                o.DeleteDefunctSiloPods = settings.DeleteDeadSiloPods;
            }));
    }
}
