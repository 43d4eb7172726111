using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;

namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>
/// The gateways an Orleans client may connect to: the gateway endpoints of the cluster's Active silos, read from the
/// same <c>OrleansSilo</c> objects the silos write (no table version needed: a client only needs a recent list).
/// </summary>
public sealed class KubernetesGatewayListProvider : IGatewayListProvider, IDisposable
{
    private readonly string clusterId;
    private readonly TimeSpan refreshPeriod;
    private readonly Lazy<MembershipObjects> objects;

    /// <summary>Creates the provider for <see cref="ClusterOptions.ClusterId"/>, refreshed every <see cref="GatewayOptions.GatewayListRefreshPeriod"/>.</summary>
    public KubernetesGatewayListProvider(
        IOptions<KubernetesMembershipOptions> options,
        IOptions<ClusterOptions> clusterOptions,
        IOptions<GatewayOptions> gatewayOptions)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clusterOptions);
        ArgumentNullException.ThrowIfNull(gatewayOptions);
        var membership = options.Value;
        clusterId = clusterOptions.Value.ClusterId ?? throw new ArgumentException("ClusterOptions.ClusterId is required", nameof(clusterOptions));
        refreshPeriod = gatewayOptions.Value.GatewayListRefreshPeriod;
        objects = new Lazy<MembershipObjects>(() =>
        {
            var (client, ns) = KubernetesConnection.Open(membership);
            return new MembershipObjects(client, ns, membership.Group);
        });
    }

    /// <inheritdoc/>
    public TimeSpan MaxStaleness => refreshPeriod;

    /// <inheritdoc/>
    public bool IsUpdatable => true;

    /// <inheritdoc/>
    public Task InitializeGatewayListProvider() => Task.CompletedTask;

    /// <inheritdoc/>
    public async Task<IList<Uri>> GetGateways()
    {
        var silos = await objects.Value.ListSilosAsync(ResourceNames.ClusterKey(clusterId), clusterId, CancellationToken.None).ConfigureAwait(false);
        return [.. silos
            .Where(s => s.Spec.Status == nameof(SiloStatus.Active) && s.Spec.ProxyPort > 0)
            .Select(s => GatewayUri(SiloAddress.FromParsableString(s.Spec.SiloAddress), s.Spec.ProxyPort))];
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (objects.IsValueCreated)
        {
            objects.Value.Dispose();
        }
    }

    /// <summary>The silo's gateway: its host, the proxy port and the silo's generation (as Orleans' own providers form it).</summary>
    private static Uri GatewayUri(SiloAddress silo, int proxyPort) =>
        SiloAddress.New(new IPEndPoint(silo.Endpoint.Address, proxyPort), silo.Generation).ToGatewayUri();
}
