using AgentJobSync.Clustering.Kubernetes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Messaging;

namespace AgentJobSync.Clustering.Kubernetes.Hosting;

/// <summary>Registers the Kubernetes membership table on a silo and the Kubernetes gateway list on a client.</summary>
public static class KubernetesMembershipRegistration
{
    /// <summary>
    /// Makes the silo keep Orleans' membership table in <c>OrleansClusterVersion</c>/<c>OrleansSilo</c> objects (CRDs in
    /// <c>k8s/crd/</c>), for the silo's <c>ClusterOptions.ClusterId</c>. The options are validated when the host starts.
    /// </summary>
    public static ISiloBuilder UseKubernetesMembership(this ISiloBuilder builder, Action<KubernetesMembershipOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddOptions(builder.Services, configure);
        builder.Services.TryAddSingleton<KubernetesMembershipTable>();
        builder.Services.AddSingleton<IMembershipTable>(sp => sp.GetRequiredService<KubernetesMembershipTable>());
        return builder;
    }

    /// <summary>
    /// Makes the client find gateways in the cluster's Active <c>OrleansSilo</c> objects, re-read every
    /// <c>GatewayOptions.GatewayListRefreshPeriod</c>. Use the silos' namespace, group and cluster id.
    /// </summary>
    public static IClientBuilder UseKubernetesGatewayList(this IClientBuilder builder, Action<KubernetesMembershipOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddOptions(builder.Services, configure);
        builder.Services.AddSingleton<IGatewayListProvider, KubernetesGatewayListProvider>();
        return builder;
    }

    private static void AddOptions(IServiceCollection services, Action<KubernetesMembershipOptions> configure)
    {
        services.AddOptions<KubernetesMembershipOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesMembershipOptions>, KubernetesMembershipOptionsValidator>());
    }
}
